export {
  startEmulator,
  API_VERSION,
  LOG_LIMIT,
  type EmulatorOptions,
  type EmulatorBehaviour,
  type ConsoleTask,
  type RunningEmulator,
  type RequestLogEntry,
  type RequestSubject,
} from "./server.js";
export { DEFAULT_KEY_PAIR, keyPairsFromEnv, signRequest, type KeyPair } from "./signature.js";
export type { FaultConfig, FaultRule } from "./faults.js";
export { DEFAULT_FOLDER } from "./actions.js";
