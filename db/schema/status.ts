// Tables of the status capability.
export {};
