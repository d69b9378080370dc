import { activityEventRow } from "../../worker/emails/index.ts";
import {
  authoredActivity,
  recomputeTrending,
  renderMarkdown,
  TRENDING_SLOT_MS,
  voteActivity,
} from "../../worker/feedback/index.ts";
import { newId } from "../../worker/lib/ids.ts";
import {
  contacts,
  emailEvents,
  feedbackBoards,
  feedbackComments,
  feedbackPosts,
  feedbackStatusChanges,
  feedbackVotes,
  type PostStatus,
} from "../schema/index.ts";
import { DAY, SEED_EVENT_BATCH, type SeedContext } from "./context.ts";

const BOARDS = [
  {
    slug: "product-ideas",
    name: "Product ideas",
    description: "What should we build next?",
    visibility: "public",
    moderated: false,
  },
  {
    slug: "integrations",
    name: "Integrations",
    description: "Tools you want us to connect to.",
    visibility: "public",
    moderated: false,
  },
  {
    slug: "beta",
    name: "Beta programme",
    description: "Feedback from beta testers.",
    visibility: "identified",
    moderated: true,
  },
] as const;

const SUBJECTS: Record<string, string[]> = {
  "product-ideas": [
    "dark mode",
    "bulk edit",
    "saved filters",
    "keyboard shortcuts",
    "CSV import",
    "custom fields",
    "audit log",
    "two-factor login",
    "team permissions",
    "recurring tasks",
    "offline mode",
    "calendar view",
    "public API rate limits",
    "PDF export",
    "dashboard widgets",
    "mobile app",
    "email digests",
    "templates",
    "time tracking",
    "comments on reports",
  ],
  integrations: [
    "Slack",
    "Zapier",
    "HubSpot",
    "Salesforce",
    "Jira",
    "Linear",
    "GitHub",
    "Google Sheets",
    "Notion",
    "Microsoft Teams",
    "Intercom",
    "Stripe",
    "Segment",
    "Shopify",
    "Zendesk",
  ],
  beta: [
    "the new editor",
    "faster search",
    "AI summaries",
    "the redesigned sidebar",
    "workflow automations",
    "the new onboarding",
  ],
};
const PHRASES = [
  "Add {s}",
  "Support for {s}",
  "Improve {s}",
  "{s} please",
  "Better {s}",
  "Allow {s} per project",
  "{s} for admins",
  "Option to turn off {s}",
];
const BODIES = [
  "We would use this **every day**. Right now we work around it with a spreadsheet.",
  "Our team of 40 asked for this in the last retro.\n\n- saves time\n- fewer mistakes",
  "Competitors have it. It is the main thing blocking our upgrade.",
  "Would love this. See `settings > workspace` for where it could live.",
  "Same as the title, nothing more to add.",
];
const COMMENTS = [
  "+1, we need this too",
  "Any update on this?",
  "This would save us hours a week.",
  "Would this work with SSO accounts?",
  "Upvoted. Please prioritise!",
  "We built a workaround with webhooks meanwhile.",
  "Is there an ETA?",
];
const TEAM_REPLIES = [
  "Thanks! We are looking into it.",
  "This is on our roadmap for next quarter.",
  "Shipped today: see the changelog.",
  "We will not build this soon, but we keep it open for votes.",
];
const NOTES: Record<PostStatus, string> = {
  under_review: "We are looking at this.",
  planned: "On the roadmap for next quarter.",
  in_progress: "We started building this.",
  done: "Shipped! See the changelog.",
  declined: "Not something we will build, but thank you for the idea.",
  merged: "Merged into a similar idea.",
};
const STATUS_WEIGHTS: Array<[PostStatus, number]> = [
  ["under_review", 0.42],
  ["planned", 0.14],
  ["in_progress", 0.1],
  ["done", 0.16],
  ["declined", 0.1],
  ["merged", 0.08],
];
const PATHS: Record<PostStatus, PostStatus[]> = {
  under_review: [],
  planned: ["planned"],
  in_progress: ["planned", "in_progress"],
  done: ["planned", "in_progress", "done"],
  declined: ["declined"],
  merged: ["merged"],
};

/** Three boards, a few hundred posts in every status, thousands of votes and comments over six months. */
export async function seedFeedback(ctx: SeedContext): Promise<void> {
  const { db, now } = ctx;
  const pickStatus = () => {
    const r = ctx.rng();
    let acc = 0;
    for (const [s, w] of STATUS_WEIGHTS) {
      acc += w;
      if (r < acc) return s;
    }
    return "under_review" as PostStatus;
  };

  // People: whoever the other capabilities seeded, plus voters of our own to reach a crowd.
  const existing = await db.select({ id: contacts.id, firstSeenAt: contacts.firstSeenAt }).from(contacts).limit(1500);
  const people = existing.map((c) => ({ id: c.id, firstSeenAt: Math.min(c.firstSeenAt, now - 200 * DAY) }));
  const extra = Math.max(0, 900 - people.length);
  const names = [
    "Ada",
    "Grace",
    "Linus",
    "Margaret",
    "Alan",
    "Barbara",
    "Ken",
    "Frances",
    "Dennis",
    "Radia",
    "Edsger",
    "Hedy",
  ];
  const newPeople = Array.from({ length: extra }, (_, i) => {
    const firstSeenAt = now - ctx.int(180, 400) * DAY;
    return {
      id: newId("ct", firstSeenAt),
      externalId: `feedback-demo-${i + 1}`,
      email: `voter${i + 1}@example.com`,
      name: `${ctx.pick(names)} ${String.fromCharCode(65 + (i % 26))}.`,
      firstSeenAt,
      lastSeenAt: now - ctx.int(0, 30) * DAY,
    };
  });
  await ctx.insertMany(contacts, newPeople, "feedback contacts");
  people.push(...newPeople.map((p) => ({ id: p.id, firstSeenAt: p.firstSeenAt })));

  const boards = BOARDS.map((b) => ({
    id: newId("fbb", now - 200 * DAY),
    ...b,
    createdAt: now - 200 * DAY,
    updatedAt: now,
  }));
  await ctx.insertMany(feedbackBoards, boards, "feedback boards");

  const posts: (typeof feedbackPosts.$inferInsert)[] = [];
  const changes: (typeof feedbackStatusChanges.$inferInsert)[] = [];
  const votes: (typeof feedbackVotes.$inferInsert)[] = [];
  const comments: (typeof feedbackComments.$inferInsert)[] = [];
  for (const board of boards) {
    const count = board.slug === "beta" ? 60 : board.slug === "integrations" ? 110 : 200;
    const boardPosts: (typeof feedbackPosts.$inferInsert)[] = [];
    for (let i = 0; i < count; i++) {
      const createdAt = now - ctx.int(1, 180) * DAY + ctx.int(0, DAY - 1);
      const subject = ctx.pick(SUBJECTS[board.slug]);
      const title = ctx
        .pick(PHRASES)
        .replace("{s}", subject)
        .replace(/^./, (c) => c.toUpperCase());
      const status = pickStatus();
      const body = ctx.pick(BODIES);
      const ice = ctx.rng() < 0.4;
      const [impact, confidence, ease] = [ctx.int(1, 10), ctx.int(1, 10), ctx.int(1, 10)];
      const author = ctx.pick(people);
      const post: typeof feedbackPosts.$inferInsert = {
        id: newId("fbp", createdAt),
        boardId: board.id,
        title,
        body,
        bodyHtml: renderMarkdown(body),
        authorId: author.id,
        tags: [subject.split(" ")[0].toLowerCase(), ...(ctx.rng() < 0.3 ? ["enterprise"] : [])],
        status,
        impact: ice ? impact : null,
        confidence: ice ? confidence : null,
        ease: ice ? ease : null,
        iceScore: ice ? impact * confidence * ease : null,
        moderation: board.moderated && i < 4 ? "pending" : "approved",
        createdAt,
        updatedAt: createdAt,
      };
      // Status history: steps spread between creation and now.
      let at = createdAt;
      let from: PostStatus = "under_review";
      for (const to of PATHS[status]) {
        at = Math.min(now - DAY, at + ctx.int(3, 30) * DAY);
        changes.push({
          id: newId("fbs", at),
          postId: post.id as string,
          fromStatus: from,
          toStatus: to,
          actor: "key:Local demo key (admin)",
          comment: ctx.rng() < 0.7 || to === "merged" ? NOTES[to] : null,
          createdAt: at,
        });
        from = to;
      }
      post.statusChangedAt = PATHS[status].length ? at : null;
      if (status === "merged" && boardPosts.length)
        post.mergedIntoId = ctx.pick(boardPosts.filter((p) => p.status !== "merged"))?.id ?? null;
      if (status === "merged" && !post.mergedIntoId) post.status = "under_review";

      // Votes: a long tail, a few posts very popular; merged ones kept few (theirs moved).
      const wanted = post.status === "merged" ? 0 : Math.min(people.length - 1, Math.floor(2 + 120 * ctx.rng() ** 3));
      const voters = new Set<string>();
      while (voters.size < wanted) voters.add(ctx.pick(people).id);
      for (const contactId of voters) {
        const votedAt = createdAt + Math.floor(ctx.rng() * (now - createdAt));
        votes.push({ id: newId("fbv", votedAt), postId: post.id as string, contactId, createdAt: votedAt });
      }
      post.voteCount = voters.size;

      const nComments = post.moderation === "pending" ? 0 : Math.floor(14 * ctx.rng() ** 1.5);
      for (let k = 0; k < nComments; k++) {
        const team = ctx.rng() < 0.15;
        const text = team ? ctx.pick(TEAM_REPLIES) : ctx.pick(COMMENTS);
        const commentedAt = createdAt + Math.floor(ctx.rng() * (now - createdAt));
        comments.push({
          id: newId("fbc", commentedAt),
          postId: post.id as string,
          authorId: team ? null : ctx.pick(people).id,
          team,
          teamName: team ? "Product team" : null,
          body: text,
          bodyHtml: renderMarkdown(text),
          moderation: board.moderated && k === 0 && ctx.rng() < 0.3 ? "pending" : "approved",
          createdAt: commentedAt,
        });
      }
      post.commentCount = comments.filter((c) => c.postId === post.id && c.moderation === "approved").length;
      boardPosts.push(post);
    }
    posts.push(...boardPosts);
  }
  await ctx.insertMany(feedbackPosts, posts, "feedback posts");
  await ctx.insertMany(feedbackStatusChanges, changes, "feedback status changes");
  await ctx.insertMany(feedbackVotes, votes, "feedback votes");
  await ctx.insertMany(feedbackComments, comments, "feedback comments");
  // What the boards record on the contact graph, as their own writes would have: the emails seed
  // (next) aggregates its batch and rebuilds the daily rollups from these rows.
  const boardSlug = new Map(boards.map((b) => [b.id, b.slug]));
  const postBoard = new Map(posts.map((p) => [p.id as string, boardSlug.get(p.boardId) ?? ""]));
  const activity = [
    ...posts.flatMap((p) =>
      authoredActivity("feedback_post", p.id as string, p.authorId, p.createdAt as number, {
        board: boardSlug.get(p.boardId),
      }),
    ),
    ...comments.flatMap((c) =>
      authoredActivity("feedback_comment", c.id as string, c.team ? null : c.authorId, c.createdAt as number, {
        postId: c.postId,
      }),
    ),
    ...votes.flatMap((v) => voteActivity(v.postId, v.contactId, postBoard.get(v.postId) ?? "", v.createdAt as number)),
  ];
  await ctx.insertMany(
    emailEvents,
    activity.map((a) => activityEventRow(a, SEED_EVENT_BATCH, a.at)),
    "feedback activity",
  );
  await recomputeTrending(db, Math.floor(now / TRENDING_SLOT_MS), now);
  ctx.log(
    `feedback: ${boards.length} boards, ${posts.length} posts, ${votes.length} votes, ${comments.length} comments`,
  );
}
