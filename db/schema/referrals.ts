// Tables of the referrals capability.
export {};
