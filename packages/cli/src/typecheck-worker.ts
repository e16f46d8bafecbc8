/** The type-check on its own thread (see typecheck.ts): one run, its outcome posted back. */
import { parentPort, workerData } from "node:worker_threads";
import { runTypecheck } from "./typecheck.js";

const { root, files } = workerData as { root: string; files: string[] };
parentPort?.postMessage(await runTypecheck(root, files));
