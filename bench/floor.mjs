/**
 * The floor of a compile: a plain script doing the irreducible part of `wedata compile --out` on a synthetic
 * project (`bench/synth.ts`): read every code file, base64 it into a payload object, write one JSON file per
 * task. Plain JavaScript run by plain Node, so its whole process is a floor too. Prints one JSON line:
 * `{ mode, count, ms, maxRssMb }`, `ms` timed inside the process.
 *   node bench/floor.mjs <project dir> <out dir>
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dir, out] = process.argv.slice(2);
const t0 = performance.now();
let count = 0;
for (const wf of readdirSync(join(dir, "jobs"))) {
  mkdirSync(join(out, wf, "tasks"), { recursive: true });
  for (const f of readdirSync(join(dir, "jobs", wf))) {
    const code = readFileSync(join(dir, "jobs", wf, f)).toString("base64");
    const name = f.replace(/\.[^.]+$/, "");
    const payload = {
      ProjectId: "1",
      TriggerTaskBaseAttribute: {
        TaskName: name,
        TaskTypeId: f.endsWith(".py") ? "30" : "35",
        WorkflowId: `$ref:workflow/${wf}`,
      },
      TriggerTaskConfiguration: { CodeContent: code },
      TriggerTaskSchedulerConfiguration: {
        RunPriorityType: 6,
        RetryWaitMinute: 5,
        MaxRetryNumber: 4,
        ExecutionTTLMinute: -1,
        WaitExecutionTotalTTLMinute: -1,
        AllowRedoType: "ALL",
      },
    };
    writeFileSync(join(out, wf, "tasks", `${name}.json`), JSON.stringify(payload, null, 2));
    count++;
  }
}
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ mode: "floor", count, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
