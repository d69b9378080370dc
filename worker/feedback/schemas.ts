import {
  BOARD_VISIBILITIES,
  FEEDBACK_EVENT_TYPES,
  MODERATION_STATES,
  POST_STATUSES,
  SETTABLE_STATUSES,
  VOTE_STATES,
} from "../../db/schema/index.ts";
import { PageQuery, page, patchOf, z } from "../lib/openapi.ts";

export const Slug = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "lowercase letters, digits and single dashes");
export const Id = z.string().min(1).max(64);
export const Tag = z
  .string()
  .trim()
  .min(1, "A tag has 1 to 40 characters")
  .max(40, "A tag has 1 to 40 characters")
  .transform((t) => t.toLowerCase());
export const Tags = z
  .array(Tag)
  .max(10)
  .transform((t) => [...new Set(t)]);
const Score = z.number().int().min(1).max(10);

export const BoardParams = z.object({ board: Slug });
export const IdParams = z.object({ id: Id });
export const BoardPostParams = z.object({ board: Slug, post: Id });

export const CreateBoardBody = z
  .object({
    slug: Slug,
    name: z
      .string()
      .trim()
      .min(1, "Name the board (1 to 100 characters)")
      .max(100, "Name the board (1 to 100 characters)"),
    description: z.string().trim().max(500, "A description has at most 500 characters").optional(),
    visibility: z.enum(BOARD_VISIBILITIES).default("public"),
    moderated: z.boolean().default(false),
  })
  .openapi("CreateFeedbackBoard");
export const UpdateBoardBody = patchOf(CreateBoardBody).openapi("UpdateFeedbackBoard");
export const ExportQuery = z.object({ format: z.enum(["json", "csv"]).default("json") });

export const CategoryName = z
  .string()
  .trim()
  .min(1, "name is required (1 to 50 characters)")
  .max(50, "name must be at most 50 characters");
export const CategoryBody = z.object({ name: CategoryName }).openapi("FeedbackCategoryInput");
export const CategoryOrderBody = z
  .object({
    ids: z.array(Id).max(50).openapi({ description: "Every category of the board, once, in the new order" }),
  })
  .openapi("FeedbackCategoryOrder");
export const CategoryParams = z.object({ board: Slug, id: Id });
export const CategorySchema = z
  .object({ id: z.string(), name: z.string(), position: z.number().int() })
  .openapi("FeedbackCategory");
export const CategoryListSchema = z.object({ data: z.array(CategorySchema) });
/** A post's category as answers show it. */
export const PostCategorySchema = z.object({ id: z.string(), name: z.string() }).nullable();
/** Sets a post's category (a category of the post's board); null clears it. */
const CategoryRef = Id.nullable().openapi({ description: "A category of the post's board; null for none" });

export const BoardSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    visibility: z.enum(BOARD_VISIBILITIES),
    moderated: z.boolean(),
    categories: z.array(CategorySchema).openapi({ description: "In the order the board shows them" }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi("FeedbackBoard");
export const BoardListSchema = z.object({ data: z.array(BoardSchema) });

export const SORTS = ["trending", "top", "new", "status"] as const;

export const PostListQuery = PageQuery.extend({
  sort: z.enum([...SORTS, "ice"]).default("trending"),
  status: z.enum(POST_STATUSES).optional(),
  tag: Tag.optional(),
  category: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "A category id, or `none` for posts without a category" }),
  q: z.string().trim().max(200).optional().openapi({ description: "Full-text search over title and body" }),
  moderation: z.enum(MODERATION_STATES).optional(),
  cursor: z.string().max(200).optional().openapi({ description: "The `nextCursor` of the previous page" }),
});
/** The roadmap's filter; the filter form sends "" for every category. */
export const RoadmapQuery = z.object({
  category: z
    .string()
    .max(64)
    .optional()
    .transform((v) => v || undefined),
});
export const AdminPostListQuery = PostListQuery.extend({ board: z.string().max(60).optional() });
/** What visitors may ask of a board: no moderation filter, no ICE sort. */
export const PublicPostListQuery = PostListQuery.omit({ moderation: true }).extend({
  sort: z.enum(SORTS).default("trending"),
});

export const AuthorSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    /** Has at least one idea delivered (`done`): the contributor badge. */
    contributor: z.boolean(),
  })
  .openapi("FeedbackAuthor");

export const PostSchema = z
  .object({
    id: z.string(),
    boardId: z.string(),
    boardSlug: z.string(),
    title: z.string(),
    body: z.string(),
    bodyHtml: z.string(),
    author: AuthorSchema.nullable(),
    tags: z.array(z.string()),
    category: PostCategorySchema,
    status: z.enum(POST_STATUSES),
    voteCount: z.number().int(),
    commentCount: z.number().int(),
    trendingScore: z.number(),
    mergedIntoId: z.string().nullable(),
    statusChangedAt: z.number().int().nullable(),
    createdAt: z.number().int(),
    url: z.string(),
  })
  .openapi("FeedbackPost");

export const AdminPostSchema = PostSchema.extend({
  impact: z.number().int().nullable(),
  confidence: z.number().int().nullable(),
  ease: z.number().int().nullable(),
  iceScore: z.number().int().nullable(),
  moderation: z.enum(MODERATION_STATES),
  flaggedAt: z.number().int().nullable(),
  heldVotes: z.number().int(),
}).openapi("FeedbackAdminPost");
export const AdminPostPage = page(AdminPostSchema);
/** A post just created by a visitor: moderated boards hold it as `pending`. */
export const CreatedPostSchema = PostSchema.extend({ moderation: z.enum(["pending", "approved", "rejected"]) });

export const StatusChangeSchema = z
  .object({
    id: z.string(),
    fromStatus: z.enum(POST_STATUSES).nullable(),
    toStatus: z.enum(POST_STATUSES),
    actor: z.string(),
    comment: z.string().nullable(),
    createdAt: z.number().int(),
  })
  .openapi("FeedbackStatusChange");

export const CommentSchema = z
  .object({
    id: z.string(),
    postId: z.string(),
    author: AuthorSchema.nullable(),
    team: z.boolean(),
    teamName: z.string().nullable(),
    bodyHtml: z.string(),
    moderation: z.enum(MODERATION_STATES),
    createdAt: z.number().int(),
  })
  .openapi("FeedbackComment");

export const PostDetailSchema = z
  .object({
    post: PostSchema,
    timeline: z.array(StatusChangeSchema),
    comments: z.array(CommentSchema),
    voted: z.boolean().openapi({ description: "Whether the identified visitor has voted (false when anonymous)" }),
  })
  .openapi("FeedbackPostDetail");

/** A board and a page of its posts, as a visitor sees them; `board.categories` are the filters. */
export const PublicBoardSchema = z.object({
  board: BoardSchema,
  data: z.array(PostSchema.extend({ voted: z.boolean() })),
  nextCursor: z.string().nullable(),
});

export const AdminPostDetailSchema = z.object({
  post: AdminPostSchema,
  timeline: z.array(StatusChangeSchema),
  comments: z.array(CommentSchema),
});
export const StatusChangedSchema = AdminPostSchema.extend({ notified: z.number().int() });
export const MergedSchema = z.object({
  duplicate: AdminPostSchema,
  original: AdminPostSchema,
  notified: z.number().int(),
});
/** What waits for a person: pending posts and comments, posts with held votes. */
export const ModerationQueueSchema = z.object({
  posts: z.array(AdminPostSchema),
  flagged: z.array(AdminPostSchema),
  comments: z.array(CommentSchema.extend({ postTitle: z.string(), body: z.string() })),
});

export const CreatePostBody = z
  .object({
    title: z.string().trim().min(3).max(200),
    body: z.string().max(10_000).default(""),
    tags: Tags.default([]),
    categoryId: CategoryRef.optional(),
  })
  .openapi("CreateFeedbackPost");
/** The board page's "Post an idea" form: no tags; the category menu sends "" for none. */
export const PostForm = CreatePostBody.omit({ tags: true, categoryId: true }).extend({
  categoryId: Id.optional().or(z.literal("").transform(() => undefined)),
});

export const AdminCreatePostBody = CreatePostBody.extend({
  board: Slug,
  author: z
    .object({
      externalId: z.string().min(1).max(200),
      email: z.email().max(320).optional(),
      name: z.string().max(200).optional(),
    })
    .optional()
    .openapi({ description: "The person the idea came from (a contact); omit for a team post" }),
}).openapi("AdminCreateFeedbackPost");

export const UpdatePostBody = z
  .object({
    title: z.string().trim().min(3).max(200).optional(),
    body: z.string().max(10_000).optional(),
    tags: Tags.optional(),
    categoryId: CategoryRef.optional(),
    impact: Score.nullable().optional(),
    confidence: Score.nullable().optional(),
    ease: Score.nullable().optional(),
  })
  .openapi("UpdateFeedbackPost");

export const StatusBody = z
  .object({
    status: z.enum(SETTABLE_STATUSES),
    comment: z.string().trim().max(2000).optional().openapi({ description: "Public note shown on the timeline" }),
    notify: z.boolean().default(true).openapi({ description: "Email voters and the author" }),
  })
  .openapi("ChangeFeedbackStatus");

export const BulkPostsBody = z
  .object({
    ids: z.array(Id).min(1, "Choose at least one post").max(100, "At most 100 posts at once"),
    status: StatusBody.optional().openapi({ description: "One status for every chosen post" }),
    tags: z
      .object({ add: Tags.optional(), remove: Tags.optional() })
      .optional()
      .openapi({ description: "Tags added to and removed from every chosen post" }),
    categoryId: CategoryRef.optional().openapi({
      description: "One category for every chosen post (all on that category's board); null clears it",
    }),
  })
  .refine((b) => b.status || b.tags?.add?.length || b.tags?.remove?.length || b.categoryId !== undefined, {
    message: "Choose a status, a category or a tag to add or remove",
    path: ["status"],
  })
  .openapi("BulkFeedbackPosts");
export const BulkPostsResultSchema = z
  .object({
    updated: z.number().int().openapi({ description: "Posts that changed" }),
    notified: z.number().int().openapi({ description: "People emailed about the status change" }),
  })
  .openapi("BulkFeedbackPostsResult");

export const MergeBody = z
  .object({ into: Id.openapi({ description: "The original post the duplicate is merged into" }) })
  .openapi("MergeFeedbackPost");

export const ModerateBody = z.object({ action: z.enum(["approve", "reject"]) }).openapi("ModerateFeedback");

export const CommentBody = z.object({ body: z.string().trim().min(1).max(5000) }).openapi("CreateFeedbackComment");
export const TeamCommentBody = CommentBody.extend({
  teamName: z.string().trim().min(1).max(100).optional().openapi({ description: "Shown as the team author" }),
}).openapi("CreateFeedbackTeamComment");

/** The vote button of the HTML pages. */
export const VoteForm = z.object({ action: z.enum(["vote", "unvote"]) });

export const VoteResultSchema = z
  .object({
    postId: z.string(),
    voted: z.boolean(),
    state: z.enum(VOTE_STATES).nullable().openapi({ description: "`held` when the vote waits for review" }),
    voteCount: z.number().int(),
  })
  .openapi("FeedbackVoteResult");

export const SimilarQuery = z.object({
  q: z.string().trim().min(2).max(200),
  limit: z.coerce.number().int().min(1).max(10).default(5),
});

export const SimilarSchema = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        status: z.enum(POST_STATUSES),
        voteCount: z.number().int(),
        url: z.string(),
      }),
    ),
  })
  .openapi("FeedbackSimilarPosts");

export const RangeQuery = z
  .object({
    from: z.coerce.number().int().min(0).openapi({ description: "Start, epoch ms (inclusive)" }),
    to: z.coerce.number().int().min(0).openapi({ description: "End, epoch ms (exclusive)" }),
  })
  .refine((r) => r.from < r.to, { message: "`from` must be before `to`", path: ["to"] });

export const ImplementationSchema = z
  .object({
    done: z.number().int(),
    received: z.number().int(),
    ratio: z.number().nullable(),
    deliveredVotes: z.number().int(),
    openVotes: z.number().int(),
    voteWeighted: z.number().nullable(),
  })
  .openapi("FeedbackImplementationRatio");

export const ContributorQuery = PageQuery.extend({ externalId: z.string().min(1).max(200).optional() });
export const ContributorSchema = z
  .object({
    contactId: z.string(),
    externalId: z.string(),
    name: z.string().nullable(),
    delivered: z.number().int().openapi({ description: "Their ideas now done" }),
    firstDeliveredAt: z.number().int(),
  })
  .openapi("FeedbackContributor");

export const FeedbackEventSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    type: z.enum(FEEDBACK_EVENT_TYPES),
    postId: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    recipients: z.array(z.string()),
    createdAt: z.number().int(),
  })
  .openapi("FeedbackLoopEvent");
export const EventQuery = PageQuery.extend({ type: z.enum(FEEDBACK_EVENT_TYPES).optional() });
export const ReplayBody = z.object({ after: z.string().max(64).default("") }).openapi("ReplayFeedbackEvents");
export const QueuedSchema = z.object({ queued: z.literal(true) });
