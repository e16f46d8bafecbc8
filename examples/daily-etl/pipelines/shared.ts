/** Settings every task of this project shares. */
export const OWNER = "100028579801";
export const RESOURCE_GROUP = "20240222212719833743";
export const DLC = { engine: "dlc-sparksql-prod", region: "ap-guangzhou" } as const;
export const START = "2026-01-01 00:00:00";
