/** The type-check on its own thread (see typecheck.ts): the checker loads at once; one run when the files come. */
import { parentPort } from "node:worker_threads";
import { runTypecheck } from "./typecheck.js";

const loading = import("ts-morph");
parentPort?.once("message", async ({ root, files }: { root: string; files: string[] }) => {
  await loading;
  parentPort?.postMessage(await runTypecheck(root, files));
  parentPort?.close();
});
