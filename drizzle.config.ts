import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema/index.ts",
  // The migrations check points this at a scratch copy to see whether anything is missing.
  out: process.env.RAPPORT_MIGRATIONS_DIR ?? "./db/migrations",
});
