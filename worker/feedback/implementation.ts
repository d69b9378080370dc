// The Feedback-Implementation Ratio, in its two forms, from the counts the store reads.

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/**
 * Count form: posts delivered / posts received. Vote-weighted form: votes on delivered posts /
 * votes on delivered and still-open posts. No posts or votes: null, not zero.
 */
export function implementationRatio(counts: { done: number; received: number; delivered: number; open: number }) {
  const { done, received, delivered: deliveredVotes, open: openVotes } = counts;
  return {
    done,
    received,
    ratio: ratio(done, received),
    deliveredVotes,
    openVotes,
    voteWeighted: ratio(deliveredVotes, deliveredVotes + openVotes),
  };
}
