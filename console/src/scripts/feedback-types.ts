import { ApiError } from "../lib/api";

export type Post = {
  id: string;
  boardSlug: string;
  title: string;
  body: string;
  bodyHtml: string;
  status: string;
  voteCount: number;
  commentCount: number;
  iceScore: number | null;
  impact: number | null;
  confidence: number | null;
  ease: number | null;
  tags: string[];
  moderation: string;
  heldVotes: number;
  mergedIntoId: string | null;
  createdAt: number;
  url: string;
  author: { id: string; name: string | null; contributor: boolean } | null;
};
export type Comment = {
  id: string;
  postId: string;
  team: boolean;
  teamName: string | null;
  bodyHtml: string;
  moderation: string;
  createdAt: number;
  author: { name: string | null } | null;
};
export type Page<T> = { data: T[]; nextCursor: string | null };

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
export const problemText = (e: unknown) =>
  e instanceof ApiError
    ? [e.message, ...(e.problem.errors ?? []).map((x) => `${x.path}: ${x.message}`)].join(" — ")
    : "Something went wrong";
export const statusName = (s: string) => s.replace("_", " ");
export const postHref = (id: string) => `/console/feedback/post/?id=${encodeURIComponent(id)}`;
