/** The reader thread of `readAheadCodeFiles`: reads the code files it is given and sends the answers back. */
import { workerData } from "node:worker_threads";
import { answerReads, type ReaderData } from "./code-files.js";

const { paths, maxBytes, port } = workerData as ReaderData;
const answer = (list: readonly string[]) => {
  answerReads(list, maxBytes, (batch, transfer) => port.postMessage(batch, transfer));
  port.close();
};
// Started before the paths were known (`prepare`): they come as the first message.
if (paths) answer(paths);
else port.once("message", (list: readonly string[]) => answer(list));
