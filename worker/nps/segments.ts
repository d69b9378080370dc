// Which segment an NPS score puts a person in.

export const NPS_SEGMENTS = ["promoter", "passive", "detractor"] as const;
export type NpsSegment = (typeof NPS_SEGMENTS)[number];

/** Promoters answer 9-10, passives 7-8, detractors 0-6. */
export const segmentOf = (score: number): NpsSegment =>
  score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor";
