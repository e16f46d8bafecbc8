// After the build: dist/help.txt, the text `wedata --help` prints, rendered by the CLI itself (commander, 80
// columns as without a terminal). bin/wedata.js prints it without loading the CLI: `--help` starts in
// about the time Node itself takes.
import { writeFileSync } from "node:fs";
import { main } from "../dist/main.js";

// Rendered as without a terminal (80 columns), whatever terminal runs the build.
Object.defineProperty(process.stdout, "isTTY", { value: false });
let text = "";
const code = await main(["node", "wedata", "--help"], { out: (t) => (text += t), err: (t) => (text += t) });
if (code !== 0 || !text.startsWith("Usage: wedata")) throw new Error(`wedata --help gave exit ${code}: ${text}`);
writeFileSync(new URL("../dist/help.txt", import.meta.url), text);
