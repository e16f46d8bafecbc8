/**
 * Benchmarks: print figures, assert nothing. Run with `npm run bench`.
 *  1. compile: time and heap per task for growing projects (ratio to the smallest).
 *  2. deploy: sustained CreateTriggerTask rate against the embedded emulator, as a ratio of the limit.
 */
import { compileProject } from "@wedata-kit/compiler";
import { applyPlan, connectSdk, fetchRemoteState, planDeployment, RateLimitedCaller } from "@wedata-kit/deployer";
import { task, workflow, type WorkflowBuilder } from "@wedata-kit/dsl";
import { DEFAULT_KEY_PAIR, startEmulator } from "@wedata-kit/emulator";

const target = { name: "bench", projectId: "2378393617299558400", region: "ap-guangzhou" };

function project(tasks: number, perWorkflow = 100): WorkflowBuilder[] {
  const flows: WorkflowBuilder[] = [];
  for (let w = 0; w * perWorkflow < tasks; w++) {
    const n = Math.min(perWorkflow, tasks - w * perWorkflow);
    const roots = Array.from({ length: Math.min(5, n) }, (_, i) => task(`root_${i}`).shell({ inline: `echo root ${i}\n` }));
    const rest = Array.from({ length: n - roots.length }, (_, i) => task(`t_${i}`).python({ inline: `print(${i})\n` }).retry(2).after(roots[i % roots.length]!));
    flows.push(workflow(`wf_${w}`, { folder: "/bench" }).tasks(...roots, ...rest));
  }
  return flows;
}

function compileBench() {
  console.log("compile (in memory, no type-check)");
  let base: number | undefined;
  for (const n of [100, 1000, 5000]) {
    const flows = project(n);
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const out = compileProject({ root: "/bench", modules: [{ file: "/bench/p.ts", exports: { flows } }], target, readFile: () => Buffer.alloc(0) });
    const ms = performance.now() - t0;
    global.gc?.();
    const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
    const perTask = ms / n;
    base ??= perTask;
    console.log(`  ${String(n).padStart(5)} tasks: ${ms.toFixed(0)} ms (${(perTask * 1000).toFixed(0)} us/task, x${(perTask / base).toFixed(2)} vs 100), retained heap ${heapMb.toFixed(1)} MB (${((heapMb * 1e3) / n).toFixed(1)} KB/task), ${out.tasks.length} payloads`);
  }
}

async function deployBench(n: number, rate: number) {
  console.log(`deploy ${n} tasks to the embedded emulator at ${rate} requests/s per action`);
  const emu = await startEmulator({ rateLimit: rate });
  try {
    const compiled = compileProject({ root: "/bench", modules: [{ file: "/bench/p.ts", exports: { flows: project(n, 50) } }], target, readFile: () => Buffer.alloc(0) });
    const caller = new RateLimitedCaller(connectSdk({ endpoint: emu.url, region: target.region, credentials: DEFAULT_KEY_PAIR }), { rate });
    const t0 = performance.now();
    const remote = await fetchRemoteState(caller, compiled, { project: "bench" });
    const plan = planDeployment(compiled, remote, { project: "bench" });
    const summary = await applyPlan(plan, caller, { versionRemark: "bench" });
    const seconds = (performance.now() - t0) / 1000;
    const creates = emu.log.filter((e) => e.action === "CreateTriggerTask" && e.outcome === "ok").map((e) => e.start);
    const sustained = (creates.length - 1) / ((Math.max(...creates) - Math.min(...creates)) / 1000);
    const throttled = emu.log.filter((e) => e.code === "RequestLimitExceeded").length;
    console.log(`  ${summary.created} created, ${summary.submitted} submitted in ${seconds.toFixed(1)} s; CreateTriggerTask sustained ${sustained.toFixed(1)}/s = ${(sustained / rate).toFixed(2)} of the limit; ${throttled} throttled`);
  } finally {
    await emu.stop();
  }
}

compileBench();
await deployBench(200, 20);
