#!/usr/bin/env node
// The wedata command: plain JavaScript built from src/ (`npm run build`); tsx is loaded only later, for the
// user's own TypeScript files.
let main;
try {
  ({ main } = await import("../dist/main.js"));
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("dist/main.js")) throw e;
  process.stderr.write("wedata: the CLI is not built (no dist/); in the wedata-kit repository run `npm run build`\n");
  process.exit(1);
}
process.exitCode = await main(process.argv);
