// Tables of the emails capability.
export {};
