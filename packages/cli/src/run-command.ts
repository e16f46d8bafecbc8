import { WedataKitError } from "@wedata-kit/dsl";
import { randomBytes } from "node:crypto";
import { redactSecrets } from "@wedata-kit/compiler";
import {
  RunError,
  runCompiled,
  type RunEvent,
  type StandInResult,
  type TaskRun,
  type TaskStatus,
} from "@wedata-kit/runner";
import pc from "picocolors";
import { buildProject } from "./compile-project.js";
import type { Io } from "./io.js";
import { workFolder } from "./project-files.js";

export interface RunCommandOptions {
  readonly cwd: string;
  readonly target?: string;
  readonly typecheck: boolean;
  readonly workflow?: string;
  readonly tasks: readonly string[];
  readonly upstream: boolean;
  readonly downstream: boolean;
  readonly date?: string;
  readonly params: readonly string[];
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly keep: boolean;
  readonly sshLocal: boolean;
  readonly standIns: readonly string[];
  readonly retryWaitSeconds?: number;
  readonly env: readonly string[];
}

/** Thrown for a malformed `--param`, `--stand-in` or `--env`. */
export class RunUsageError extends WedataKitError {
  constructor(message: string) {
    super("E_USAGE", message);
  }
}

const SYMBOL: Record<TaskStatus, string> = {
  success: pc.green("ok"),
  stand_in: pc.cyan("stand-in"),
  needs_wedata: pc.magenta("needs WeData"),
  rendered: pc.cyan("rendered"),
  failed: pc.red("failed"),
  upstream_failed: pc.red("upstream failed"),
  skipped: pc.yellow("skipped"),
  cancelled: pc.yellow("cancelled"),
};

/** `k=v` pairs of a repeated flag. */
function pairs(list: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf("=");
    if (i <= 0) throw new RunUsageError(`${flag} takes NAME=VALUE, got "${item}"`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** `--stand-in TASK` (succeeds with no outputs), `--stand-in TASK=key:value,key:value`, or `kind:dlcSql` for every
 * task of a kind. */
function standIns(list: readonly string[]): Record<string, StandInResult> {
  const out: Record<string, StandInResult> = {};
  for (const item of list) {
    const [task, spec] = item.includes("=")
      ? [item.slice(0, item.indexOf("=")), item.slice(item.indexOf("=") + 1)]
      : [item, ""];
    if (!task) throw new RunUsageError(`--stand-in takes TASK or TASK=output:value,..., got "${item}"`);
    const outputs: Record<string, string> = {};
    for (const kv of spec.split(",").filter(Boolean)) {
      const i = kv.indexOf(":");
      if (i <= 0) throw new RunUsageError(`--stand-in ${task}: outputs are output:value, got "${kv}"`);
      outputs[kv.slice(0, i)] = kv.slice(i + 1);
    }
    out[task] = { outputs };
  }
  return out;
}

/** `--env NAME` passes NAME from this environment; `--env NAME=VALUE` sets it. */
function passedEnv(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf("=");
    if (i === 0) throw new RunUsageError(`--env takes NAME or NAME=VALUE, got "${item}"`);
    if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
    else if (process.env[item] !== undefined) out[item] = process.env[item];
    else throw new RunUsageError(`--env ${item}: ${item} is not set in this environment`);
  }
  return out;
}

/** Today at 00:00 in UTC+8, WeData's zone: the data time of a daily instance run today. */
function today(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** A live view on a terminal (one line per task, redrawn), plain lines elsewhere. */
function progress(io: Io, live: boolean, waiting: readonly string[]) {
  const state = new Map<string, string>(waiting.map((k) => [k, pc.dim("waiting")]));
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    const lines = [...state].map(([k, s]) => `  ${s.padEnd(24)} ${k}`);
    io.out(`${drawn > 0 ? `\x1b[${drawn}A` : ""}${lines.map((l) => `\x1b[2K${l}\n`).join("")}`);
    drawn = lines.length;
  };
  return {
    onEvent(e: RunEvent) {
      if (e.type === "start")
        state.set(e.key, e.attempt > 1 ? pc.yellow(`running (attempt ${e.attempt})`) : pc.blue("running"));
      if (e.type === "retry") {
        state.set(e.key, pc.yellow(`retry in ${duration(e.waitMs)}`));
        if (!live)
          io.out(`${pc.yellow("retry")}   ${e.key}: ${e.reason}; attempt ${e.attempt + 1} in ${duration(e.waitMs)}\n`);
      }
      if (e.type === "done") {
        state.set(e.task.key, SYMBOL[e.task.status]);
        if (!live)
          io.out(`${SYMBOL[e.task.status]} ${e.task.key}${e.task.reason ? pc.dim(` (${e.task.reason})`) : ""}\n`);
      }
      if (live && !timer) timer = setTimeout(draw, 50);
    },
    stop() {
      if (timer) clearTimeout(timer);
      if (live) draw();
    },
  };
}

function table(tasks: readonly TaskRun[]): string {
  const rows = tasks.map((t) => [
    t.key,
    SYMBOL[t.status],
    String(t.attempts),
    duration(t.durationMs),
    Object.entries(t.outputs)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
  ]);
  const head = ["task", "status", "attempts", "duration", "outputs"];
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c + " ".repeat((widths[i] ?? 0) - plain(c).length))
      .join("  ")
      .trimEnd();
  return [pc.bold(line(head)), ...rows.map(line)].join("\n");
}

/** Run folders kept: the latest ones, and any kept with --keep. */
export const RUNS_KEPT = 20;

/** Delete the folders of older runs (wedata-kit's own files only), keeping the latest and those marked with --keep. */
function pruneRuns(work: ReturnType<typeof workFolder>): void {
  const ids = new Set<string>();
  const kept = new Set<string>();
  for (const rel of work.list().files.keys()) {
    const [, id, rest] = /^runs\/([^/]+)\/(.+)$/.exec(rel) ?? [];
    if (id === undefined) continue;
    ids.add(id);
    if (rest === "keep") kept.add(id);
  }
  // Run ids start with their UTC time, so they sort oldest first.
  const old = [...ids].sort().slice(0, Math.max(0, ids.size - RUNS_KEPT));
  for (const id of old) if (!kept.has(id)) work.removeUnder(`runs/${id}`);
}

/** `wedata run`: run a workflow locally; exit 0 when every task succeeded, 1 when one failed, 130 on Ctrl-C. */
export async function runCommand(o: RunCommandOptions, io: Io): Promise<number> {
  const params = pairs(o.params, "--param");
  const stand = standIns(o.standIns);
  const env = passedEnv(o.env);
  const build = await buildProject({ cwd: o.cwd, ...(o.target && { target: o.target }), typecheck: o.typecheck });
  const names = build.compiled.workflows.filter((w) => w.payload).map((w) => w.name);
  const workflow = o.workflow ?? (names.length === 1 ? names[0] : undefined);
  if (!workflow)
    throw new RunError(`the project has ${names.length} workflows (${names.join(", ")}): choose one with --workflow`);
  const date = o.date ?? today();
  // UTC time to the millisecond first, so run ids sort in the order the runs started.
  const started = new Date().toISOString().replace(/[-:.]/g, "").replace("T", "-").slice(0, 18);
  const runId = `${started}-${randomBytes(2).toString("hex")}`;
  const work = workFolder(build.loaded.root);
  const prefix = `runs/${runId}`;
  const folder = { write: (rel: string, content: string) => work.write(`${prefix}/${rel}`, redactSecrets(content)) };
  const live = process.stdout.isTTY === true && !process.env.CI;
  io.out(
    pc.bold(
      `Running ${workflow} for data time ${date}${o.dryRun ? " (dry run: nothing is executed)" : ""}, up to ` +
        `${o.concurrency} at once\n`,
    ),
  );
  const view = progress(
    io,
    live,
    build.compiled.tasks
      .filter((t) => t.workflow === workflow && (o.tasks.length === 0 || o.tasks.includes(t.name)))
      .map((t) => t.key),
  );
  const ac = new AbortController();
  const onSigint = () => {
    io.err(`\n${pc.yellow("stopping")}: cancelling the running tasks (Ctrl-C again to force)\n`);
    ac.abort();
    process.once("SIGINT", () => process.exit(130));
  };
  process.once("SIGINT", onSigint);
  let result: Awaited<ReturnType<typeof runCompiled>>;
  try {
    result = await runCompiled(build.compiled, workflow, {
      root: build.loaded.root,
      date,
      params,
      concurrency: o.concurrency,
      standIns: stand,
      only: o.tasks,
      upstream: o.upstream,
      downstream: o.downstream,
      sshLocal: o.sshLocal,
      dryRun: o.dryRun,
      env,
      ...(o.retryWaitSeconds !== undefined && { retryWaitMs: o.retryWaitSeconds * 1000 }),
      signal: ac.signal,
      folder,
      onEvent: (e) => view.onEvent(e),
    });
  } finally {
    process.removeListener("SIGINT", onSigint);
    view.stop();
  }
  work.write(
    `${prefix}/summary.json`,
    redactSecrets(`${JSON.stringify({ runId, workflow, date, ...result }, null, 2)}\n`),
  );
  io.out(`\n${table(result.tasks)}\n`);
  // The substitution each task saw: its parameters as resolved (secrets hidden), and on a dry run the program.
  const withParams = result.tasks.filter(
    (t) => Object.keys(t.params).length > 0 || (o.dryRun && t.rendered !== undefined),
  );
  if (withParams.length > 0) io.out(`\n${pc.bold("Parameters")}\n`);
  for (const t of withParams) {
    io.out(
      `  ${t.key}: ${
        Object.entries(t.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ") || "(none)"
      }\n`,
    );
    if (o.dryRun && t.rendered !== undefined) io.out(`${t.rendered.replace(/^/gm, "    | ")}\n`);
  }
  const unresolved = result.tasks.filter((t) => t.unresolved.length > 0);
  // WeData leaves such expressions as written too; in a shell script they are usually its own variables.
  for (const t of unresolved)
    io.err(
      `${pc.dim("note")}: ${t.key}: neither a parameter nor a time parameter, left as written: ` +
        `${t.unresolved.join(", ")}\n`,
    );
  const needs = result.tasks.filter((t) => t.status === "needs_wedata").length;
  const verdict =
    result.status === "success"
      ? pc.green("Run succeeded")
      : result.status === "cancelled"
        ? pc.yellow("Run cancelled")
        : pc.red("Run failed");
  io.out(
    `\n${pc.bold(`${verdict} in ${duration(result.durationMs)}`)}: ${result.tasks.length} task(s)` +
      `${needs ? `, ${needs} need WeData (rendered only)` : ""}.\n`,
  );
  if (o.keep) work.write(`${prefix}/keep`, "kept with --keep\n");
  io.out(`Logs, rendered programs and summary: .wedata/${prefix}/\n`);
  pruneRuns(work);
  return result.status === "success" ? 0 : result.status === "cancelled" ? 130 : 1;
}
