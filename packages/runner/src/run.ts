/*
 * Runs compiled workflows on this machine: the exact programs deploy would send (decoded CodeContent),
 * parameters resolved as WeData resolves them at the data time, in dependency order with up to N at
 * once, with each task's retry policy, timeout and dependency trigger policy.
 */
import { WedataKitError } from "@wedata-kit/dsl";
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import {
  codeFileName,
  parsePlaceholder,
  redactSecrets,
  sleep,
  type CompiledProject,
  type CompiledTask,
} from "@wedata-kit/compiler";
import { TASK_KINDS, type TaskKind, type TriggerPolicy } from "@wedata-kit/dsl";
import { outputValue, resolveParams, substitute } from "./params.js";
import { decide, type Outcome } from "./policies.js";
import { parseDataTime, type DataTime } from "./time-params.js";
import { must } from "@wedata-kit/dsl";

/** How one task ended in a local run. */
export type TaskStatus =
  | "success"
  | "failed"
  | "upstream_failed"
  | "skipped"
  | "cancelled"
  | "needs_wedata"
  | "stand_in"
  | "rendered";

/** What a stand-in for a task says happened: it did not run; it succeeded (or failed) with these outputs. */
export interface StandInResult {
  readonly status?: "success" | "failed";
  readonly outputs?: Readonly<Record<string, string>>;
  /** Standard output to read output parameters from (`$[0]`...), when `outputs` does not give them. */
  readonly stdout?: string;
}

/** What a stand-in is told about the task it replaces. */
export interface StandInContext {
  readonly workflow: string;
  readonly task: string;
  readonly kind: TaskKind;
  /** The task's parameters as resolved for this run. */
  readonly params: Readonly<Record<string, string>>;
  /** The rendered program, when the task has one. */
  readonly code?: string;
}

export type StandIn = StandInResult | ((ctx: StandInContext) => StandInResult | Promise<StandInResult>);

/** Where a run keeps its files (rendered programs, one log per attempt, the summary). */
export interface RunFolder {
  write(rel: string, content: string): void;
}

export interface RunOptions {
  /** The project root: the working directory of every task. */
  readonly root: string;
  /** The instance's data time: `2026-11-28T02:00`, `2026-11-28` or `20261128020000`. */
  readonly date: string;
  /** Parameters that override workflow, scheduling and input parameters of the same name (`--param`). */
  readonly params?: Readonly<Record<string, string>>;
  /** Tasks running at once (default 4). */
  readonly concurrency?: number;
  /** Tasks not run but replaced: by task name, `workflow/task`, or for a whole kind as `kind:dlcSql`. */
  readonly standIns?: Readonly<Record<string, StandIn>>;
  /** Run only these tasks (names), with `upstream`/`downstream` widening the selection; default all. */
  readonly only?: readonly string[];
  readonly upstream?: boolean;
  readonly downstream?: boolean;
  /** Run SSH tasks here, in place of the remote host. */
  readonly sshLocal?: boolean;
  /** Render parameters and programs, run nothing. */
  readonly dryRun?: boolean;
  /** Extra environment for the tasks (the environment is otherwise clean: PATH, HOME, LANG, TZ, TMPDIR). */
  readonly env?: Readonly<Record<string, string>>;
  /** Length of a minute for retry waits and timeouts, in ms (default 60,000; tests shorten it). */
  readonly minuteMs?: number;
  /** Wait between attempts in ms, overriding each task's `RetryWaitMinute` (`--retry-wait`). */
  readonly retryWaitMs?: number;
  /** Aborting stops the running tasks and records them, and everything not started, as cancelled. */
  readonly signal?: AbortSignal;
  readonly folder?: RunFolder;
  readonly onEvent?: (event: RunEvent) => void;
}

export type RunEvent =
  | { readonly type: "start"; readonly key: string; readonly attempt: number }
  | {
      readonly type: "retry";
      readonly key: string;
      readonly attempt: number;
      readonly waitMs: number;
      readonly reason: string;
    }
  | { readonly type: "done"; readonly task: TaskRun };

export interface TaskRun {
  /** `workflow/task`, nested workflows as `outer/run_task/inner/task`. */
  readonly key: string;
  readonly workflow: string;
  readonly name: string;
  readonly kind: TaskKind;
  readonly status: TaskStatus;
  readonly attempts: number;
  readonly durationMs: number;
  readonly outputs: Readonly<Record<string, string>>;
  /** The parameters as resolved for this task (secrets hidden). */
  readonly params: Readonly<Record<string, string>>;
  /** `${...}` left as written: neither a parameter nor a time parameter. */
  readonly unresolved: readonly string[];
  readonly reason?: string;
  /** The program as run (secrets hidden), when the task has one. */
  readonly rendered?: string;
}

export interface RunResult {
  readonly status: "success" | "failed" | "cancelled";
  readonly tasks: readonly TaskRun[];
  readonly durationMs: number;
}

/** The run was asked for something that cannot be run: an unknown workflow or task, a date that does not exist. */
export class RunError extends WedataKitError {
  constructor(message: string) {
    super("E_RUN", message);
  }
}

/** Kinds whose program runs only in WeData's cloud; they are rendered and reported, unless a stand-in replaces them. */
const CLOUD_ONLY: ReadonlySet<TaskKind> = new Set([
  "dlcSql",
  "dlcSpark",
  "dlcPySpark",
  "dlcSparkStreaming",
  "notebook",
  "offlineSync",
  "shellForm",
]);
const WHY_CLOUD: Partial<Record<TaskKind, string>> = {
  dlcSql: "DLC SQL runs on a DLC engine",
  dlcSpark: "DLC Spark runs its program from COS on a DLC engine",
  dlcPySpark: "DLC PySpark runs on a DLC engine",
  dlcSparkStreaming: "DLC Spark Streaming runs on a DLC engine",
  notebook: "a notebook runs in WeData Studio",
  offlineSync: "offline synchronization runs on WeData's integration resource group",
  shellForm: "a Shell Form task runs a resource package stored in WeData",
};

const ext = (t: CompiledTask, key: string) =>
  t.payload.TriggerTaskConfiguration.TaskExtConfigurationList?.find((e) => e.ParamKey === key)?.ParamValue;

function onPath(command: string, path: string | undefined): boolean {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** The interpreter a Python task declares: `python_sub_version` (python3.11), else `python_type`, else python3. */
export function pythonCommand(t: CompiledTask): string {
  return ext(t, "python_sub_version") ?? ext(t, "python_type") ?? "python3";
}

/** The environment tasks run with: a clean one, plus what the caller passes. */
function cleanEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER"];
  return {
    ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!])),
    ...extra,
  };
}

interface Attempt {
  readonly code: number | null;
  readonly output: string;
  readonly stdout: string;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
}

/**
 * Run one program through `command`. The program (which may hold resolved secrets) is written to a
 * private temporary folder (0700, file 0600) outside the project and removed when the process ends; the
 * run folder keeps only the redacted copy.
 */
function execute(
  command: string,
  program: string,
  o: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    timeoutMs?: number;
    signal?: AbortSignal;
    running: Set<ChildProcess>;
    file: string;
  },
): Promise<Attempt> {
  return new Promise((resolve) => {
    const dir = mkdtempSync(join(tmpdir(), "wedata-run-"));
    const file = join(dir, o.file);
    writeFileSync(file, program, { mode: 0o600 });
    const child = spawn(command, [file], { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    o.running.add(child);
    let output = "";
    let stdout = "";
    let timedOut = false;
    let cancelled = false;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 2000).unref();
    };
    const timer =
      o.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            kill();
          }, o.timeoutMs)
        : undefined;
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    o.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
      output += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => (output += d.toString("utf8")));
    child.on("error", (e) => {
      output += `${e.message}\n`;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      o.running.delete(child);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, output, stdout, timedOut, cancelled });
    });
  });
}

const OUTCOME: Record<TaskStatus, Outcome> = {
  success: "success",
  stand_in: "success",
  // A task that only WeData can run counts as succeeded for its dependents; their inputs from it are empty.
  needs_wedata: "success",
  rendered: "success",
  failed: "failed",
  cancelled: "failed",
  upstream_failed: "upstream_failed",
  skipped: "skipped",
};

/**
 * Run one workflow of a compiled project (and the workflows its Run Workflow tasks nest). Every task
 * gets a TaskRun; the run fails when any task failed, or ended as upstream failed.
 */
export async function runCompiled(project: CompiledProject, workflow: string, options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const base = parseDataTime(options.date);
  if (!base)
    throw new RunError(
      `--date ${options.date} is not a date and time that exists; write 2026-11-28 or 2026-11-28T02:00`,
    );
  if (!project.workflows.some((w) => w.name === workflow)) {
    throw new RunError(
      `no workflow named "${workflow}"; the project has ${project.workflows.map((w) => w.name).join(", ") || "none"}`,
    );
  }
  const running = new Set<ChildProcess>();
  const slots = { free: Math.max(1, options.concurrency ?? 4), waiting: [] as Array<() => void> };
  const acquire = () =>
    slots.free > 0 ? (slots.free--, Promise.resolve()) : new Promise<void>((r) => slots.waiting.push(r));
  const release = () => {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  };
  const all: TaskRun[] = [];
  const status = await runWorkflow(project, workflow, "", base, options, { acquire, release, running, all });
  return { status: options.signal?.aborted ? "cancelled" : status, tasks: all, durationMs: Date.now() - started };
}

interface Shared {
  acquire(): Promise<void>;
  release(): void;
  readonly running: Set<ChildProcess>;
  readonly all: TaskRun[];
}

async function runWorkflow(
  project: CompiledProject,
  workflow: string,
  prefix: string,
  base: DataTime,
  o: RunOptions,
  shared: Shared,
  nested = false,
): Promise<"success" | "failed"> {
  const w = project.workflows.find((x) => x.name === workflow);
  const tasks = project.tasks.filter((t) => t.workflow === workflow);
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const upstreamOf = (t: CompiledTask) =>
    (t.payload.TriggerTaskSchedulerConfiguration.UpstreamDependencyConfigList ?? []).map(
      (u) => parsePlaceholder(u.TaskId)?.key.slice(workflow.length + 1) ?? u.TaskId,
    );
  for (const t of tasks) {
    for (const u of upstreamOf(t))
      if (!byName.has(u))
        throw new RunError(`task "${t.key}" depends on "${u}", which is not a task of workflow "${workflow}"`);
  }

  // Which tasks run: all, or the chosen ones with their upstream and/or downstream tasks.
  let selected = new Set(tasks.map((t) => t.name));
  if (!nested && o.only && o.only.length > 0) {
    for (const n of o.only)
      if (!byName.has(n))
        throw new RunError(`no task named "${n}" in workflow "${workflow}"; it has ${[...byName.keys()].join(", ")}`);
    selected = new Set(o.only);
    const grow = (next: (n: string) => string[]) => {
      const stack = [...selected];
      while (stack.length) for (const m of next(stack.pop()!)) if (!selected.has(m)) selected.add(m), stack.push(m);
    };
    if (o.upstream) grow((n) => upstreamOf(must(byName.get(n), "byName entry")));
    if (o.downstream) grow((n) => tasks.filter((t) => upstreamOf(t).includes(n)).map((t) => t.name));
  }

  const wfParams = (w?.payload?.WorkflowParams ?? []).map((p) => [p.ParamKey, p.ParamValue] as const);
  const outcomes = new Map<string, Outcome>();
  const outputs = new Map<string, Record<string, string>>();
  const finished = new Map<string, Promise<void>>();
  let failed = false;

  const finish = (run: TaskRun) => {
    outcomes.set(run.name, OUTCOME[run.status]);
    outputs.set(run.name, { ...run.outputs });
    if (run.status === "failed" || run.status === "upstream_failed" || run.status === "cancelled") failed = true;
    shared.all.push(run);
    o.onEvent?.({ type: "done", task: run });
    o.folder?.write(`${run.key}.json`, `${JSON.stringify(run, null, 2)}\n`);
  };

  const runTask = async (t: CompiledTask): Promise<void> => {
    const key = `${prefix}${t.key}`;
    const ups = upstreamOf(t).filter((u) => selected.has(u));
    const policy = (t.payload.TriggerTaskSchedulerConfiguration.DependencyTriggerPolicy ??
      "ALL_SUCCESS") as TriggerPolicy;
    const base0 = {
      key,
      workflow,
      name: t.name,
      kind: t.kind,
      attempts: 0,
      durationMs: 0,
      outputs: {},
      params: {},
      unresolved: [] as string[],
    };
    // Wait until the policy can decide: "as soon as" policies may go before every upstream is done.
    let decision = decide(
      policy,
      ups.map((u) => outcomes.get(u)),
    );
    while (decision === "wait") {
      // With every upstream done, no policy waits: the loop ends.
      await Promise.race(ups.filter((u) => !outcomes.has(u)).map((u) => must(finished.get(u), "finished entry")));
      decision = decide(
        policy,
        ups.map((u) => outcomes.get(u)),
      );
    }
    if (o.signal?.aborted)
      return finish({ ...base0, status: "cancelled", reason: "the run was stopped before it started" });
    if (decision === "skip")
      return finish({
        ...base0,
        status: "skipped",
        reason: `${policy}: upstream outcomes ${ups.map((u) => `${u}=${outcomes.get(u) ?? "running"}`).join(", ")}`,
      });
    if (decision === "upstream_failed")
      return finish({
        ...base0,
        status: "upstream_failed",
        reason: `${policy}: ${ups
          .filter((u) => outcomes.get(u) !== "success")
          .map((u) => `${u} ${outcomes.get(u)}`)
          .join(", ")}`,
      });

    // Parameters: workflow, then scheduling, then inputs from upstream outputs, then --param.
    const sched = (t.payload.TriggerTaskConfiguration.TaskSchedulingParameterList ?? []).map(
      (p) => [p.ParamKey, p.ParamValue] as const,
    );
    const wf = resolveParams(wfParams, base);
    const sc = resolveParams(sched, base, wf.values);
    const vars = sc.values;
    const unresolved = [...wf.unresolved, ...sc.unresolved];
    for (const p of t.payload.TriggerTaskSchedulerConfiguration.ParamTaskInList ?? []) {
      if (p.Type === "CONSTANT") vars.set(p.ParamKey, p.FromParamKey);
      else {
        const from = parsePlaceholder(p.FromTaskId)?.key.slice(workflow.length + 1) ?? "";
        const v = outputs.get(from)?.[p.FromParamKey];
        if (v === undefined)
          unresolved.push(`input ${p.ParamKey} (output ${p.FromParamKey} of ${from} was not produced)`);
        vars.set(p.ParamKey, v ?? "");
      }
    }
    for (const [k, v] of Object.entries(o.params ?? {})) vars.set(k, v);
    const params = Object.fromEntries([...vars].map(([k, v]) => [k, redactSecrets(v)]));

    const bytes = Buffer.from(t.payload.TriggerTaskConfiguration.CodeContent ?? "", "base64");
    const text = bytes.toString("utf8");
    const isText = Buffer.from(text, "utf8").equals(bytes);
    const sub = isText && bytes.length > 0 ? substitute(text, vars, base) : { text, unresolved: [] };
    unresolved.push(...sub.unresolved);
    const rendered = bytes.length > 0 ? redactSecrets(sub.text) : undefined;
    if (rendered !== undefined) o.folder?.write(`${prefix}${t.workflow}/${codeFileName(t.name, t.kind)}`, rendered);
    const common = { ...base0, params, unresolved, ...(rendered !== undefined && { rendered }) };

    const collect = (stdout: string, given?: Readonly<Record<string, string>>) =>
      Object.fromEntries(
        (t.payload.TriggerTaskSchedulerConfiguration.ParamTaskOutList ?? []).map((p) => [
          p.ParamKey,
          given?.[p.ParamKey] ?? outputValue(substitute(p.ParamValue, vars, base).text, stdout),
        ]),
      );

    const standIn = o.standIns?.[key] ?? o.standIns?.[t.key] ?? o.standIns?.[t.name] ?? o.standIns?.[`kind:${t.kind}`];
    if (standIn !== undefined) {
      const r =
        typeof standIn === "function"
          ? await standIn({
              workflow,
              task: t.name,
              kind: t.kind,
              params,
              ...(rendered !== undefined && { code: sub.text }),
            })
          : standIn;
      return finish({
        ...common,
        status: r.status === "failed" ? "failed" : "stand_in",
        outputs: collect(r.stdout ?? "", r.outputs),
        reason: "replaced by a stand-in",
      });
    }
    if (o.dryRun) return finish({ ...common, status: "rendered", reason: "--dry-run" });
    if (t.kind === "runWorkflow") {
      const target = parsePlaceholder(ext(t, "subWorkflowId") ?? "")?.key ?? ext(t, "subWorkflowName") ?? "";
      if (!project.workflows.some((x) => x.name === target))
        return finish({
          ...common,
          status: "needs_wedata",
          reason: `runs workflow ${target}, which is not part of this project`,
        });
      const began = Date.now();
      const r = await runWorkflow(project, target, `${key}/`, base, o, shared, true);
      return finish({
        ...common,
        status: r === "success" ? "success" : "failed",
        attempts: 1,
        durationMs: Date.now() - began,
        reason: `ran workflow ${target}`,
      });
    }
    if (t.kind === "merge")
      return finish({ ...common, status: "success", reason: "a merge node only joins its upstream tasks" });
    if (t.kind === "branch" || t.kind === "forEach") {
      return finish({
        ...common,
        status: "skipped",
        reason:
          `${TASK_KINDS[t.kind].label} nodes are evaluated by WeData's scheduler (conditions and loop items it ` +
          `holds); not run locally`,
      });
    }
    if (t.kind === "ssh" && !o.sshLocal)
      return finish({
        ...common,
        status: "needs_wedata",
        reason: "an SSH task runs on its remote host; --ssh-local runs it here instead",
      });
    if (CLOUD_ONLY.has(t.kind))
      return finish({
        ...common,
        status: "needs_wedata",
        reason: `${WHY_CLOUD[t.kind]}; rendered only (a stand-in can replace it)`,
      });

    const env = cleanEnv(o.env);
    const command = t.kind === "python" ? pythonCommand(t) : "bash";
    if (!onPath(command, env.PATH)) {
      return finish({
        ...common,
        status: "failed",
        reason:
          `${TASK_KINDS[t.kind].label} task needs the interpreter "${command}", which is not on PATH: install ` +
          `it (or run with a PATH that has it)`,
      });
    }
    const sched0 = t.payload.TriggerTaskSchedulerConfiguration;
    const minute = o.minuteMs ?? 60_000;
    const attempts = 1 + (sched0.MaxRetryNumber ?? 4);
    const ttl = sched0.ExecutionTTLMinute ?? -1;
    const began = Date.now();
    let last: Attempt | undefined;
    let n = 0;
    for (n = 1; n <= attempts; n++) {
      await shared.acquire();
      let a: Attempt;
      try {
        o.onEvent?.({ type: "start", key, attempt: n });
        a = await execute(command, sub.text, {
          cwd: o.root,
          env,
          running: shared.running,
          file: codeFileName("program", t.kind),
          ...(ttl > 0 && { timeoutMs: ttl * minute }),
          ...(o.signal && { signal: o.signal }),
        });
      } finally {
        shared.release();
      }
      last = a;
      o.folder?.write(`${key}.attempt-${n}.log`, redactSecrets(a.output));
      if (a.code === 0 && !a.timedOut && !a.cancelled) {
        return finish({
          ...common,
          status: "success",
          attempts: n,
          durationMs: Date.now() - began,
          outputs: collect(a.stdout),
        });
      }
      if (a.cancelled || o.signal?.aborted)
        return finish({
          ...common,
          status: "cancelled",
          attempts: n,
          durationMs: Date.now() - began,
          reason: "stopped (Ctrl-C)",
        });
      if (n < attempts) {
        const waitMs = o.retryWaitMs ?? (sched0.RetryWaitMinute ?? 5) * minute;
        o.onEvent?.({
          type: "retry",
          key,
          attempt: n,
          waitMs,
          reason: a.timedOut ? "timed out" : `exit code ${a.code}`,
        });
        await sleep(waitMs, o.signal);
        if (o.signal?.aborted)
          return finish({
            ...common,
            status: "cancelled",
            attempts: n,
            durationMs: Date.now() - began,
            reason: "stopped (Ctrl-C) while waiting to retry",
          });
      }
    }
    const why = last?.timedOut ? `timed out after ${ttl} min (ExecutionTTLMinute)` : `exit code ${last?.code}`;
    return finish({
      ...common,
      status: "failed",
      attempts: n - 1,
      durationMs: Date.now() - began,
      reason: `${why}, ${n - 1} attempt(s)`,
    });
  };

  const order = orderTasks(
    tasks.filter((t) => selected.has(t.name)),
    (t) => upstreamOf(t).filter((u) => selected.has(u)),
  );
  for (const t of order) finished.set(t.name, runTask(t));
  await Promise.all(finished.values());
  return failed ? "failed" : "success";
}

/** Tasks upstream first (the DAG is checked by the compiler), so every task's upstream promises exist before it. */
function orderTasks(tasks: readonly CompiledTask[], ups: (t: CompiledTask) => string[]): CompiledTask[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const out: CompiledTask[] = [];
  const seen = new Set<string>();
  const visit = (t: CompiledTask) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const u of ups(t)) visit(must(byName.get(u), "byName entry"));
    out.push(t);
  };
  for (const t of tasks) visit(t);
  return out;
}
