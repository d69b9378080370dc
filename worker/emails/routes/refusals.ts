// Refusals the admin operations of emails document alike.
import { problemContent } from "../../lib/openapi.ts";

export const invalid = { 400: problemContent("Not valid") };
export const missing = { 404: problemContent("No such resource") };
