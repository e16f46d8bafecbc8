#!/usr/bin/env node
import { createMain } from "../dist/cli.js";

process.exitCode = await createMain(process.argv.slice(2));
