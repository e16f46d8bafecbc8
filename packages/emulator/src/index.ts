export { startEmulator, API_VERSION, type EmulatorOptions, type RunningEmulator, type RequestLogEntry } from "./server.js";
export { DEFAULT_KEY_PAIR, keyPairsFromEnv, type KeyPair } from "./signature.js";
export type { FaultConfig, FaultRule } from "./faults.js";
export { DEFAULT_FOLDER } from "./actions.js";
