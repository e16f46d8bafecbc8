/** The type-check on its own thread (see typecheck.ts): the checker loads at once; one run when the files come. */
import { parentPort } from "node:worker_threads";
import { loadTypescript, runTypecheck } from "./typecheck-run.js";

loadTypescript(); // at once: the files come when the project is loaded
parentPort?.once("message", async (m: { root: string; files: string[]; buildInfo?: string }) => {
  parentPort?.postMessage(await runTypecheck(m.root, m.files, m.buildInfo));
  parentPort?.close();
});
