#!/usr/bin/env node
// Runs the CLI from its TypeScript sources; tsx also lets it import the user's .ts pipeline files,
// whether their package is ESM or CommonJS.
import { register as registerEsm } from "tsx/esm/api";
import { register as registerCjs } from "tsx/cjs/api";

registerEsm();
registerCjs();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv);
