#!/usr/bin/env node
// The wedata command: plain JavaScript built from src/ (`npm run build`); tsx is loaded only later, for the
// user's own TypeScript files.
import { readFileSync } from "node:fs";
import module from "node:module";

/** `--version` and `--help` alone are answered without loading the CLI (its help text is rendered at build). */
function quickAnswer(args) {
  if (args.length !== 1) return undefined;
  if (args[0] === "--version" || args[0] === "-V")
    return `${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`;
  if (args[0] === "--help" || args[0] === "-h") {
    try {
      return readFileSync(new URL("../dist/help.txt", import.meta.url), "utf8");
    } catch {
      return undefined; // not built with its help text: the CLI renders it
    }
  }
  return undefined;
}

const quick = quickAnswer(process.argv.slice(2));
if (quick !== undefined) process.stdout.write(quick);
else {
  // Node 22+ keeps compiled code between runs (a no-op on Node 20).
  module.enableCompileCache?.();
  let main;
  try {
    ({ main } = await import("../dist/main.js"));
  } catch (e) {
    if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("dist/main.js")) throw e;
    process.stderr.write("wedata: the CLI is not built (no dist/); in the wedata-kit repository run `npm run build`\n");
    process.exit(1);
  }
  process.exitCode = await main(process.argv);
}
