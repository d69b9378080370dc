// Tables of the kpis capability.
export {};
