/**
 * Benchmarks: print figures, assert nothing. `npm run bench [-- user|compile|deploy|plan|run] [-- --quick]`.
 * Results go to bench/results/<name>.json; BENCHMARKS.md summarises them.
 *
 *  user     through the built `wedata` command: start-up (--version, --help) beside plain Node, a no-op
 *           plan of examples/daily-etl with the type-check on, a 10,000-task compile, whole process.
 *  compile  synthetic projects of 1,000 and 10,000 tasks over 50 workflows: wall time, tasks/s and peak
 *           RSS of `wedata compile --no-typecheck --out`, as a ratio to a floor script in the same run, in
 *           process and whole process (the built command beside `node bench/floor.mjs`).
 *  deploy   a fresh deploy of 2,000 tasks (DAG depth 10) to the emulator at 20 requests/s per action
 *           with 50 ms latency: achieved rate per action as a fraction of the limit, throttled answers,
 *           side by side with a naive baseline (one SDK call at a time, topological order) and the bound.
 *  plan     `wedata plan` with nothing changed on 10,000 deployed tasks at 20 requests/s: calls and
 *           wall time, side by side with a per-task Get refresh.
 *  run      the local runner: overhead per task (start to start, less the task's own work) on a chain
 *           run one at a time, and 1,000 independent tasks at concurrency 8 against the ideal.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  applyPlan,
  connectSdk,
  fetchRemoteState,
  planDeployment,
  planHasChanges,
  RateLimitedCaller,
  resolveRefs,
} from "@wedata-kit/deployer";
import { DEFAULT_KEY_PAIR, startEmulator, type RunningEmulator } from "@wedata-kit/emulator";
import { buildProject } from "../packages/cli/src/compile-project.js";
import { main } from "../packages/cli/src/main.js";
import { BENCH_PROJECT_ID, writeSyntheticProject } from "./synth.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const wanted = (name: string) => only.length === 0 || only.includes(name);
const RATE = 20;
/** The built `wedata` command (`npm run build` first). */
const wedataBin = join(repoRoot, "packages/cli/bin/wedata.js");
const LATENCY_MS = 50;

function save(name: string, result: unknown) {
  mkdirSync(join(repoRoot, "bench", "results"), { recursive: true });
  writeFileSync(
    join(repoRoot, "bench", "results", `${name}.json`),
    `${JSON.stringify(
      { benchmark: name, quick, node: process.version, date: new Date().toISOString(), ...(result as object) },
      null,
      2,
    )}\n`,
  );
}

/**
 * Projects and outputs live on a RAM disk when the machine has one (`BENCH_TMP` chooses another folder): the
 * figures then measure wedata-kit, not the disk, whose rate of creating files varied thirtyfold on the
 * development machine within one day.
 */
const benchTmp = process.env.BENCH_TMP ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());

function tempDir(): string {
  return mkdtempSync(join(benchTmp, "wedata-bench-"));
}

function child(
  mode: string,
  dir: string,
  out = "",
): Promise<{ ms: number; maxRssMb: number; count: number; wallMs: number }> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    // Both are plain JavaScript run by plain Node; the compile loads the project's TypeScript through tsx, as
    // `wedata` does.
    const script =
      mode === "floor" ? [join(repoRoot, "bench", "floor.mjs")] : [join(repoRoot, "bench", "compile-child.mjs"), mode];
    const p = spawn(process.execPath, [...script, dir, out], { stdio: ["ignore", "pipe", "inherit"], cwd: repoRoot });
    let text = "";
    p.stdout.on("data", (d: Buffer) => (text += d.toString()));
    p.once("exit", (code) =>
      code === 0
        ? res({ ...JSON.parse(text.trim().split("\n").pop()!), wallMs: performance.now() - t0 })
        : rej(new Error(`${mode} exited ${code}`)),
    );
  });
}

/** The median run by wall time (`ms`, or another figure of the run). */
const middle = <T extends { ms: number }>(xs: T[], by: (x: T) => number = (x) => x.ms) =>
  [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;

async function compileBench() {
  if (!existsSync(join(repoRoot, "packages/cli/dist/main.js"))) throw new Error("run `npm run build` first");
  const sizes = quick ? [1000, 2000] : [1000, 10000];
  console.log(
    `compile: synthetic projects over 50 workflows, DAG depth 10, one code file per task (median of 5 runs, each in a ` +
      `fresh process)`,
  );
  const rows = [];
  for (const n of sizes) {
    const dir = tempDir();
    try {
      writeSyntheticProject(dir, repoRoot, { tasks: n, workflows: 50, depth: 10 });
      const runs = {
        compile: [] as Awaited<ReturnType<typeof child>>[],
        floor: [] as Awaited<ReturnType<typeof child>>[],
        command: [] as ReturnType<typeof timed>[],
      };
      // Each run writes into a fresh folder, so no run pays for deleting an earlier one's files. Interleaved,
      // five of each: the machine's speed drifts by a tenth or more within minutes. The command is the built
      // `wedata compile` as a user runs it, whole process, writing its own --out folder (inside the project).
      for (let i = 0; i < 5; i++) {
        runs.floor.push(await child("floor", dir, join(dir, `out-floor-${i}`)));
        runs.compile.push(await child("compile", dir, join(dir, `out-${i}`)));
        runs.command.push(
          timed(
            [process.execPath, wedataBin, "compile", "--no-typecheck", "--no-snapshot", "--out", `out-command-${i}`],
            dir,
          ),
        );
      }
      const c = middle(runs.compile);
      const f = middle(runs.floor);
      const cmd = middle(runs.command);
      const floorProcess = middle(runs.floor, (x) => x.wallMs);
      const tc = await child("typecheck", dir);
      const row = {
        tasks: n,
        compile: {
          ms: Math.round(c.ms),
          tasksPerSecond: Math.round((n / c.ms) * 1000),
          peakRssMb: Math.round(c.maxRssMb),
          processWallMs: Math.round(c.wallMs),
        },
        floor: {
          ms: Math.round(f.ms),
          peakRssMb: Math.round(f.maxRssMb),
          processWallMs: Math.round(floorProcess.wallMs),
        },
        ratioToFloor: Number((c.ms / f.ms).toFixed(2)),
        wholeProcess: {
          command: "wedata compile --no-typecheck --no-snapshot --out DIR",
          ms: Math.round(cmd.ms),
          peakRssMb: cmd.peakRssMb,
          floorMs: Math.round(floorProcess.wallMs),
          ratioToFloor: Number((cmd.ms / floorProcess.wallMs).toFixed(2)),
        },
        typecheck: { ms: Math.round(tc.ms), peakRssMb: Math.round(tc.maxRssMb) },
      };
      rows.push(row);
      console.log(
        `  ${String(n).padStart(6)} tasks: compile ${row.compile.ms} ms (${row.compile.tasksPerSecond} tasks/s, peak ` +
          `RSS ${row.compile.peakRssMb} MB, process ${row.compile.processWallMs} ms); floor ${row.floor.ms} ms; ` +
          `ratio ${row.ratioToFloor}; whole process: wedata compile ${row.wholeProcess.ms} ms ` +
          `(${row.wholeProcess.peakRssMb} MB), floor ${row.wholeProcess.floorMs} ms, ratio ${row.wholeProcess.ratioToFloor}; ` +
          `type-check (separate) ${row.typecheck.ms} ms, ${row.typecheck.peakRssMb} MB`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  save("compile", { targets: { tenThousandTasksMs: 5000, peakRssMb: 500, ratioToFloor: 3 }, rows });
}

function perAction(emu: RunningEmulator) {
  const by = new Map<string, number[]>();
  for (const e of emu.log) if (e.outcome === "ok") by.set(e.action, [...(by.get(e.action) ?? []), e.start]);
  const out: Record<string, { calls: number; perSecond: number; fractionOfLimit: number }> = {};
  for (const [action, starts] of by) {
    if (starts.length < 2 * RATE) continue;
    const span = (Math.max(...starts) - Math.min(...starts)) / 1000;
    const perSecond = (starts.length - 1) / span;
    out[action] = {
      calls: starts.length,
      perSecond: Number(perSecond.toFixed(2)),
      fractionOfLimit: Number((perSecond / RATE).toFixed(3)),
    };
  }
  return out;
}

async function deployBench() {
  const n = quick ? 300 : 2000;
  const depth = 10;
  console.log(
    `deploy: ${n} tasks over 50 workflows (DAG depth ${depth}) to the emulator at ${RATE} requests/s per action, ` +
      `${LATENCY_MS} ms latency`,
  );
  const dir = tempDir();
  try {
    writeSyntheticProject(dir, repoRoot, { tasks: n, workflows: 50, depth });
    const { compiled } = await buildProject({ cwd: dir, typecheck: false });
    const emulator = () => startEmulator({ rateLimit: RATE, faults: { default: { latencyMs: LATENCY_MS } } });
    const sdkFor = (emu: RunningEmulator) =>
      connectSdk({ endpoint: emu.url, region: "ap-guangzhou", credentials: DEFAULT_KEY_PAIR });

    // wedata-kit: rate-limited queue per action, DAG-ordered apply.
    const ours = await emulator();
    // biome-ignore lint/suspicious/noImplicitAnyLet: typed by the assignment in the try block below
    let oursRow;
    try {
      const caller = new RateLimitedCaller(sdkFor(ours), { rate: RATE });
      const t0 = performance.now();
      const remote = await fetchRemoteState(caller, compiled, { project: "bench" });
      const summary = await applyPlan(planDeployment(compiled, remote, { project: "bench" }), caller, {
        versionRemark: "bench",
      });
      const seconds = (performance.now() - t0) / 1000;
      oursRow = {
        seconds: Number(seconds.toFixed(1)),
        created: summary.created,
        submitted: summary.submitted,
        failed: summary.failed.length,
        calls: ours.log.length,
        throttled: ours.log.filter((e) => e.code === "RequestLimitExceeded").length,
        perAction: perAction(ours),
      };
    } finally {
      await ours.stop();
    }
    // Naive baseline: one SDK call at a time, topological order, no queue.
    const naive = await emulator();
    // biome-ignore lint/suspicious/noImplicitAnyLet: typed by the assignment in the try block below
    let naiveRow;
    try {
      const sdk = sdkFor(naive);
      const t0 = performance.now();
      const ids = { workflows: new Map<string, string>(), tasks: new Map<string, string>() };
      for (const f of compiled.workflowFolders)
        await sdk.call("CreateWorkflowFolder", {
          ProjectId: BENCH_PROJECT_ID,
          ParentFolderPath: "/",
          FolderName: f.slice(1),
        });
      const byKey = new Map(compiled.tasks.map((t) => [t.key, t]));
      for (const k of compiled.order) {
        if (k.startsWith("workflow:")) {
          const w = compiled.workflows.find((x) => x.name === k.slice(9))!;
          ids.workflows.set(w.name, (await sdk.call("CreateTriggerWorkflow", w.payload!)).Data!.WorkflowId!);
        } else {
          const t = byKey.get(k.slice(5))!;
          const id = (await sdk.call("CreateTriggerTask", resolveRefs(t.payload, ids))).Data!.TaskId!;
          ids.tasks.set(t.key, id);
          await sdk.call("SubmitTriggerTask", { ProjectId: BENCH_PROJECT_ID, TaskId: id, VersionRemark: "bench" });
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      naiveRow = {
        seconds: Number(seconds.toFixed(1)),
        calls: naive.log.length,
        throttled: naive.log.filter((e) => e.code === "RequestLimitExceeded").length,
        perAction: perAction(naive),
      };
    } finally {
      await naive.stop();
    }
    const busiest = Math.max(...Object.values(oursRow.perAction).map((a) => a.calls));
    const boundSeconds = Math.max(busiest / RATE, (depth * LATENCY_MS) / 1000);
    const row = {
      tasks: n,
      depth,
      rate: RATE,
      latencyMs: LATENCY_MS,
      boundSeconds,
      ours: { ...oursRow, ratioToBound: Number((oursRow.seconds / boundSeconds).toFixed(2)) },
      naive: { ...naiveRow, ratioToBound: Number((naiveRow.seconds / boundSeconds).toFixed(2)) },
      speedup: Number((naiveRow.seconds / oursRow.seconds).toFixed(2)),
    };
    console.log(
      `  bound max(N/rate, depth x latency) = max(${busiest}/${RATE}, ${depth} x ${LATENCY_MS} ms) = ` +
        `${boundSeconds.toFixed(1)} s`,
    );
    console.log(
      `  wedata-kit: ${row.ours.seconds} s (${row.ours.ratioToBound} x bound), ${row.ours.created} created, ` +
        `${row.ours.submitted} submitted, ${row.ours.throttled} throttled`,
    );
    for (const [a, x] of Object.entries(row.ours.perAction))
      console.log(`    ${a}: ${x.calls} calls at ${x.perSecond}/s = ${x.fractionOfLimit} of the limit`);
    console.log(
      `  naive:      ${row.naive.seconds} s (${row.naive.ratioToBound} x bound), ${row.naive.calls} calls, ` +
        `${row.naive.throttled} throttled; wedata-kit is ${row.speedup}x faster`,
    );
    for (const [a, x] of Object.entries(row.naive.perAction))
      console.log(`    ${a}: ${x.calls} calls at ${x.perSecond}/s = ${x.fractionOfLimit} of the limit`);
    save("deploy", { targets: { fractionOfLimit: 0.95, throttled: 0 }, ...row });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  delete process.env.TENCENTCLOUD_SECRET_ID;
  delete process.env.TENCENTCLOUD_SECRET_KEY;
  let out = "";
  try {
    const code = await main(["node", "wedata", ...argv], {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        out += t;
      },
    });
    return { code, out };
  } finally {
    process.env = saved;
  }
}

async function planBench() {
  const n = quick ? 1000 : 10000;
  console.log(
    `plan: \`wedata plan\` with nothing changed on ${n} deployed tasks over 50 workflows, emulator at ${RATE} ` +
      `requests/s per action, ${LATENCY_MS} ms latency`,
  );
  const dir = tempDir();
  const data = tempDir();
  try {
    writeSyntheticProject(dir, repoRoot, { tasks: n, workflows: 50, depth: 10 });
    // Seed quickly (no rate limit), then read once so the local read cache is warm, as after any plan.
    const fast = await startEmulator({ rateLimit: 1_000_000, dataDir: data });
    try {
      const seed = await cli(
        ["deploy", "--cwd", dir, "--yes", "--no-typecheck", "--rate", "2000", "--concurrency", "64"],
        { WEDATA_ENDPOINT: fast.url, CI: "true" },
      );
      if (seed.code !== 0) throw new Error(`seeding failed:\n${seed.out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 3500));
      const warm = await cli(["plan", "--cwd", dir, "--no-typecheck", "--rate", "2000", "--json"], {
        WEDATA_ENDPOINT: fast.url,
        CI: "true",
      });
      if (warm.code !== 0) throw new Error(`warm-up plan failed:\n${warm.out.slice(-2000)}`);
    } finally {
      await fast.stop();
    }
    const emu = await startEmulator({ rateLimit: RATE, dataDir: data, faults: { default: { latencyMs: LATENCY_MS } } });
    try {
      // The compile inside the plan, on its own, to tell it from the remote read.
      const c0 = performance.now();
      await buildProject({ cwd: dir, typecheck: false });
      const compileSeconds = (performance.now() - c0) / 1000;
      const t0 = performance.now();
      const r = await cli(["plan", "--cwd", dir, "--no-typecheck", "--json"], { WEDATA_ENDPOINT: emu.url, CI: "true" });
      const seconds = (performance.now() - t0) / 1000;
      const parsed = JSON.parse(r.out) as { reads: Record<string, number>; plan: Parameters<typeof planHasChanges>[0] };
      const calls = Object.values(parsed.reads).reduce((a, b) => a + b, 0);
      const listCalls = calls - (parsed.reads.GetTriggerTask ?? 0);
      const refresh = { calls: listCalls + n, lowerBoundSeconds: Number((n / RATE).toFixed(1)) };
      const row = {
        tasks: n,
        rate: RATE,
        latencyMs: LATENCY_MS,
        noop: {
          seconds: Number(seconds.toFixed(1)),
          compileSeconds: Number(compileSeconds.toFixed(1)),
          calls,
          reads: parsed.reads,
          changes: planHasChanges(parsed.plan),
        },
        perTaskGetRefresh: refresh,
        callRatio: Number((refresh.calls / calls).toFixed(1)),
      };
      console.log(
        `  no-op plan: ${row.noop.seconds} s wall (of which compiling the 10,000 tasks, measured alone: ` +
          `${row.noop.compileSeconds} s), ${calls} calls ${JSON.stringify(parsed.reads)}, changes: ${row.noop.changes}`,
      );
      console.log(
        `  per-task Get refresh: ${refresh.calls} calls, at least ${refresh.lowerBoundSeconds} s at ${RATE}/s ` +
          `(${row.callRatio}x the calls)`,
      );
      // A cold machine (a fresh clone in CI): no .wedata/ at all, so no local read cache. The deploy state
      // on the target vouches for unchanged tasks instead of one GetTriggerTask each.
      rmSync(join(dir, ".wedata"), { recursive: true, force: true });
      const t1 = performance.now();
      const coldRun = await cli(["plan", "--cwd", dir, "--no-typecheck", "--json"], {
        WEDATA_ENDPOINT: emu.url,
        CI: "true",
      });
      const coldSeconds = (performance.now() - t1) / 1000;
      const coldParsed = JSON.parse(coldRun.out) as {
        reads: Record<string, number>;
        plan: Parameters<typeof planHasChanges>[0];
      };
      const coldCalls = Object.values(coldParsed.reads).reduce((a, b) => a + b, 0);
      const cold = {
        seconds: Number(coldSeconds.toFixed(1)),
        calls: coldCalls,
        reads: coldParsed.reads,
        changes: planHasChanges(coldParsed.plan),
      };
      console.log(
        `  cold no-op plan (no .wedata/): ${cold.seconds} s wall, ${coldCalls} calls ` +
          `${JSON.stringify(coldParsed.reads)}, changes: ${cold.changes}`,
      );
      save("plan", { targets: { calls: 100, seconds: 10, coldCalls: 200 }, ...row, cold });
    } finally {
      await emu.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
}

/** The local runner: per-task overhead, and throughput at concurrency 8 as a ratio to the ideal. */
async function runBench() {
  const { runWorkflow } = await import("@wedata-kit/runner");
  const { task, workflow } = await import("@wedata-kit/dsl");
  const root = tempDir();
  try {
    const work = 0.01;
    const chainLength = quick ? 50 : 200;
    const chain = Array.from({ length: chainLength }, (_, i) => task(`t${i}`).shell({ inline: `sleep ${work}\n` }));
    const linked = chain.map((t, i) => (i === 0 ? t : t.after(`t${i - 1}`)));
    let t0 = Date.now();
    const c = await runWorkflow(workflow("chain", { folder: "/b" }).tasks(...linked), {
      root,
      date: "2026-11-28",
      concurrency: 1,
    });
    const chainSeconds = (Date.now() - t0) / 1000;
    const overheadMs = (chainSeconds / chainLength - work) * 1000;
    console.log(
      `run: a chain of ${chainLength} tasks of ${work * 1000} ms each, one at a time: ${chainSeconds.toFixed(2)} s, ` +
        `overhead ${overheadMs.toFixed(1)} ms per task (${c.status})`,
    );

    const n = quick ? 200 : 1000;
    const each = 0.1;
    const concurrency = 8;
    const wide = Array.from({ length: n }, (_, i) => task(`w${i}`).shell({ inline: `sleep ${each}\n` }));
    t0 = Date.now();
    const w = await runWorkflow(workflow("wide", { folder: "/b" }).tasks(...wide), {
      root,
      date: "2026-11-28",
      concurrency,
    });
    const wideSeconds = (Date.now() - t0) / 1000;
    const ideal = (n * each) / concurrency;
    console.log(
      `run: ${n} independent tasks of ${each * 1000} ms at concurrency ${concurrency}: ${wideSeconds.toFixed(2)} s, ` +
        `ideal ${ideal.toFixed(2)} s, ratio ${(wideSeconds / ideal).toFixed(2)} (${w.status})`,
    );
    save("run", {
      targets: { overheadMsPerTask: 20, ratioToIdeal: 1.5 },
      chain: {
        tasks: chainLength,
        workSeconds: work,
        seconds: Number(chainSeconds.toFixed(2)),
        overheadMsPerTask: Number(overheadMs.toFixed(1)),
      },
      wide: {
        tasks: n,
        workSeconds: each,
        concurrency,
        seconds: Number(wideSeconds.toFixed(2)),
        idealSeconds: ideal,
        ratio: Number((wideSeconds / ideal).toFixed(2)),
      },
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Wall time and peak RSS of one command, as a user's shell runs it (GNU time gives the RSS where it exists). */
function timed(cmd: string[], cwd: string): { ms: number; peakRssMb?: number } {
  const gnuTime = existsSync("/usr/bin/time");
  const t0 = performance.now();
  const r = spawnSync(gnuTime ? "/usr/bin/time" : cmd[0]!, gnuTime ? ["-f", "%M", ...cmd] : cmd.slice(1), {
    cwd,
    encoding: "utf8",
    // No credentials or endpoint: the embedded emulator.
    env: Object.fromEntries(
      Object.entries({ ...process.env, CI: "true", NO_COLOR: "1" }).filter(
        ([k]) => !k.startsWith("TENCENTCLOUD_") && !k.startsWith("WEDATA_"),
      ),
    ),
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} exited ${r.status}: ${r.stderr}`);
  const kb = gnuTime ? Number(r.stderr.trim().split("\n").pop()) : Number.NaN;
  return { ms, ...(Number.isFinite(kb) && { peakRssMb: Math.round(kb / 1024) }) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * What a user feels, through the built `wedata` command (`npm run build` first): start-up against plain Node,
 * a no-op plan of examples/daily-etl with the type-check on, and a 10,000-task `wedata compile`, whole process.
 */
async function userBench() {
  const bin = wedataBin;
  if (!existsSync(join(repoRoot, "packages/cli/dist/main.js"))) throw new Error("run `npm run build` first");
  const node = process.execPath;
  const runs = quick ? 11 : 31;
  const empty = join(tempDir(), "empty.mjs");
  writeFileSync(empty, "");
  const startup: Record<string, number[]> = { floor: [], version: [], help: [] };
  for (let i = 0; i < runs; i++) {
    startup.floor?.push(timed([node, empty], repoRoot).ms);
    startup.version?.push(timed([node, bin, "--version"], repoRoot).ms);
    startup.help?.push(timed([node, bin, "--help"], repoRoot).ms);
  }
  const start = Object.fromEntries(Object.entries(startup).map(([k, v]) => [k, Math.round(median(v))]));
  console.log(
    `start-up (median of ${runs}): node alone ${start.floor} ms, --version ${start.version} ms, ` +
      `--help ${start.help} ms`,
  );

  // A copy of examples/daily-etl, deployed once to its embedded emulator, then planned with nothing changed.
  const dir = tempDir();
  try {
    cpSync(join(repoRoot, "examples/daily-etl"), dir, {
      recursive: true,
      filter: (src) => !src.includes(".wedata") && !src.includes("/compiled"),
    });
    mkdirSync(join(dir, "node_modules/@wedata-kit"), { recursive: true });
    symlinkSync(join(repoRoot, "packages/dsl"), join(dir, "node_modules/@wedata-kit/dsl"), "dir");
    timed([node, bin, "deploy", "--yes"], dir);
    rmSync(join(dir, ".wedata/state/typecheck.json"), { force: true });
    const cold = timed([node, bin, "plan"], dir);
    const warm: number[] = [];
    for (let i = 0; i < (quick ? 3 : 7); i++) warm.push(timed([node, bin, "plan"], dir).ms);
    const noTypecheck = timed([node, bin, "plan", "--no-typecheck"], dir);
    const plan = {
      typecheckRecorded: Math.round(median(warm)),
      typecheckCold: Math.round(cold.ms),
      noTypecheck: Math.round(noTypecheck.ms),
    };
    console.log(
      `no-op plan of examples/daily-etl: ${plan.typecheckRecorded} ms (median, type-check on, record current), ` +
        `${plan.typecheckCold} ms (type-check run), ${plan.noTypecheck} ms (--no-typecheck)`,
    );

    const n = quick ? 2000 : 10000;
    const big = tempDir();
    try {
      writeSyntheticProject(big, repoRoot, { tasks: n, workflows: 50, depth: 10 });
      const compile = (...extra: string[]) => timed([node, bin, "compile", "--no-snapshot", ...extra], big);
      // Medians of several runs (the machine's figures move by a tenth from run to run), the record of the last
      // clean type-check removed before each cold run.
      const record = join(big, ".wedata", "state", "typecheck.json");
      const repeat = (times: number, run: () => { ms: number; peakRssMb?: number }, before = () => {}) => {
        const rs = Array.from({ length: times }, () => (before(), run())).sort((a, b) => a.ms - b.ms);
        const mid = rs[Math.floor(rs.length / 2)] ?? { ms: Number.NaN };
        return {
          ms: Math.round(mid.ms),
          peakRssMb: Math.max(...rs.map((r) => r.peakRssMb ?? 0)),
          rangeMs: [Math.round(rs[0]?.ms ?? Number.NaN), Math.round(rs.at(-1)?.ms ?? Number.NaN)],
          runs: times,
        };
      };
      const typecheckOn = repeat(quick ? 1 : 7, compile, () => rmSync(record, { force: true }));
      compile();
      const recorded = repeat(quick ? 1 : 3, compile);
      const off = repeat(quick ? 1 : 3, () => compile("--no-typecheck"));
      const withSnapshot = repeat(1, () => timed([node, bin, "compile", "--no-typecheck"], big));
      // Plain `wedata compile`: type-check run, the snapshot (written just above) read and found current.
      const asIs = repeat(
        quick ? 1 : 5,
        () => timed([node, bin, "compile"], big),
        () => rmSync(record, { force: true }),
      );
      const compileRows = {
        tasks: n,
        typecheckOn,
        typecheckRecorded: recorded,
        noTypecheck: off,
        noTypecheckWithSnapshot: withSnapshot,
        defaultSnapshotCurrent: asIs,
      };
      console.log(`wedata compile, ${n} tasks, whole process: ${JSON.stringify(compileRows)}`);
      save("user", {
        targets: { startupMs: 150, noopPlanMs: 1000, compileTenThousandMs: 5000, compilePeakRssMb: 500 },
        startup: { runs, ...start },
        plan,
        compile: compileRows,
      });
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (wanted("user")) await userBench();
if (wanted("compile")) await compileBench();
if (wanted("run")) await runBench();
if (wanted("plan")) await planBench();
if (wanted("deploy")) await deployBench();
