// Tables of the feedback capability.
export {};
