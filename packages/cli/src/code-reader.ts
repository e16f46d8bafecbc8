/** The reader thread of `readAheadCodeFiles`: reads the code files it is given and sends the answers back. */
import { workerData, type MessagePort } from "node:worker_threads";
import { answerReads } from "./code-files.js";

const { paths, maxBytes, port } = workerData as { paths: readonly string[]; maxBytes: number; port: MessagePort };
answerReads(paths, maxBytes, (batch, transfer) => port.postMessage(batch, transfer));
port.close();
