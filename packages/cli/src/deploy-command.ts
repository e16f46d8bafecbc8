import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { basename } from "node:path";
import { createInterface } from "node:readline/promises";
import { appendFileSync, lstatSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { redactSecrets, redactValue, renderSnapshot } from "@wedata-kit/compiler";
import {
  acquireLock,
  destroyInput,
  makePlanFile,
  parsePlanFile,
  planFlagConflict,
  removeLockWorkflow,
  stalePlanReason,
  totalCalls,
  type PlanFile,
  type PlanFlags,
  applyFindings,
  applyPlan,
  runWorkflowWarning,
  saveAppliedState,
  DEFAULT_RETRY,
  fetchRemoteState,
  guardDeletions,
  planDeployment,
  planHasChanges,
  RateLimitedCaller,
  type ApplyEvent,
  type ApplySummary,
  type Plan,
  type RemoteState,
} from "@wedata-kit/deployer";
import pc from "picocolors";
import { buildProject, type ProjectBuild } from "./compile-project.js";
import { readFindings } from "./findings-file.js";
import { connectTarget, type Connection } from "./connect.js";
import { cacheStore } from "./project-files.js";
import type { Io } from "./io.js";
import { graphsFromSnapshot } from "./graph.js";
import { FileSafetyError, readRegularFile } from "@wedata-kit/files";

/**
 * Save a plan to `file`: a new file, or one that is a plan file already (wedata-kit's own). Anything
 * else there (a config, a script, a link) is refused, never overwritten.
 */
function writePlanFile(file: string, text: string): void {
  let existing: import("node:fs").Stats | undefined;
  try {
    existing = lstatSync(file);
  } catch {
    existing = undefined;
  }
  if (existing) {
    if (!existing.isFile())
      throw new FileSafetyError(
        "E_PLAN_FILE",
        `--out ${file} exists and is not a regular file (a link, a folder or a device); pick another path`,
      );
    try {
      parsePlanFile(readRegularFile(file, MAX_PLAN_FILE_BYTES, { noFollow: true }).toString("utf8"), file);
    } catch {
      throw new FileSafetyError(
        "E_PLAN_FILE",
        `--out ${file} exists and is not a plan file saved by wedata-kit; wedata-kit does not overwrite files it did ` +
          `not write: pick another path`,
      );
    }
  }
  const tmp = join(dirname(file), `.${process.pid}.${Date.now()}.plan.tmp`);
  writeFileSync(tmp, text, { flag: "wx" });
  renameSync(tmp, file);
}

/** Largest plan file read (a plan of tens of thousands of changes). */
const MAX_PLAN_FILE_BYTES = 256 * 1024 * 1024;
import { renderPlan } from "./render-plan.js";
import { changesFromPlan, renderReviewMarkdown } from "./review.js";

/** Flags that say which deletions are intended. */
export interface DeletionFlags {
  /** Workflows that may be deleted whole (`--allow-delete NAME`). */
  readonly allowDelete?: readonly string[];
  readonly allowMassDelete?: boolean;
  readonly maxDeletes?: number;
  readonly maxDeletePercent?: number;
}

export interface PlanCommandOptions extends DeletionFlags {
  readonly cwd: string;
  readonly target?: string;
  readonly rate: number;
  readonly concurrency?: number;
  /** Attempts per request (default DEFAULT_RETRY.attempts). */
  readonly attempts?: number;
  readonly submit: boolean;
  readonly typecheck: boolean;
  /** Where warnings go (damaged caches, ...). */
  readonly onWarning?: (message: string) => void;
}

export interface Prepared {
  readonly build: ProjectBuild;
  readonly connection: Connection;
  readonly caller: RateLimitedCaller;
  readonly plan: Plan;
  readonly remote: RemoteState;
  readonly reads: Readonly<Record<string, number>>;
  /** Release the deploy lock now (also done by closing the connection). */
  readonly releaseLock: () => Promise<void>;
  /** How long lists lag behind creates on this target, as doctor measured it. */
  readonly listLagMs?: number;
}

/**
 * Compile, connect, read the remote once and plan. The caller must close `connection`. With
 * `destroy`, the plan is computed as if the code declared no managed workflows and no tasks, so every
 * resource this project owns lands in the prune list.
 */
export async function preparePlan(
  o: PlanCommandOptions & { destroy?: boolean; lock?: { command: string; ttlMs?: number } },
): Promise<Prepared> {
  // The embedded emulator's modules, loaded before the user's files: modules loaded after the TypeScript loader
  // is registered pass through its hooks, which costs a no-op plan a tenth of its time.
  if (!process.env.WEDATA_ENDPOINT && !process.env.TENCENTCLOUD_SECRET_ID)
    await import("@wedata-kit/emulator").catch(() => undefined);
  const compiledBuild = await buildProject({
    cwd: o.cwd,
    ...(o.target && { target: o.target }),
    typecheck: o.typecheck,
  });
  // What `wedata doctor` measured on this target (wedata.doctor.json): Run Workflow keys, list lag.
  const findings = readFindings(compiledBuild.loaded.root, compiledBuild.targetName);
  const built = { ...compiledBuild, compiled: applyFindings(compiledBuild.compiled, findings) };
  const build = o.destroy ? { ...built, compiled: destroyInput(built.compiled) } : built;
  const connection = await connectTarget(build.loaded.root, build.targetConfig);
  // A real target: Run Workflow keys not confirmed there by doctor are worth a warning.
  const runWarning =
    connection.kind === "cloud" ? runWorkflowWarning(build.compiled, findings, build.targetName) : undefined;
  if (runWarning) o.onWarning?.(runWarning);
  let closeLock: () => Promise<void> = async () => {};
  try {
    // WEDATA_TRACE_CALLS=FILE: one line per API call as it is sent ("<ms> <action>"), to see the pacing.
    const trace = process.env.WEDATA_TRACE_CALLS;
    const caller = new RateLimitedCaller(connection.api, {
      rate: o.rate,
      ...(o.concurrency && { concurrency: o.concurrency }),
      ...(o.attempts && { retry: { ...DEFAULT_RETRY, attempts: o.attempts } }),
      ...(trace && { onSend: (action: string, at: number) => appendFileSync(trace, `${at} ${action}\n`) }),
    });
    const project = projectName(build);
    const cache = cacheStore(build.loaded.root, build.targetName, build.compiled.target.projectId);
    // A deploy takes the project's lock on the target before it reads anything: a second deployer waits its turn.
    const lock = o.lock
      ? await acquireLock(
          { caller, projectId: build.compiled.target.projectId, project },
          { command: o.lock.command, ...(o.lock.ttlMs && { ttlMs: o.lock.ttlMs }) },
        )
      : undefined;
    if (lock) closeLock = () => lock.release();
    const remote = await fetchRemoteState(caller, build.compiled, {
      project,
      cache,
      onWarning: o.onWarning ?? (() => {}),
    });
    const reads = { ...caller.counts };
    const plan = planDeployment(build.compiled, remote, { project, submit: o.submit });
    const releaseLock = async () => {
      const release = closeLock;
      closeLock = async () => {};
      await release();
    };
    return {
      build,
      connection: { ...connection, close: async () => (await releaseLock(), await connection.close()) },
      caller,
      plan,
      remote,
      reads,
      releaseLock,
      ...(findings?.listLagMs !== undefined && { listLagMs: findings.listLagMs }),
    };
  } catch (e) {
    await closeLock().catch(() => undefined);
    await connection.close();
    throw e;
  }
}

export const projectName = (b: ProjectBuild) => b.loaded.config.name ?? basename(b.loaded.root);

function gitCommit(root: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return "no-git";
  }
}

async function confirm(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question("Apply this plan? Only 'yes' is accepted: ");
    return answer.trim() === "yes";
  } finally {
    rl.close();
  }
}

/** Progress: a bar on a terminal, plain lines in CI, nothing for --json. */
function progressReporter(
  io: Io,
  total: number,
  mode: "bar" | "lines" | "none",
): { onEvent: (e: ApplyEvent) => void; stop: () => void } {
  if (mode === "none") return { onEvent: () => {}, stop: () => {} };
  if (mode === "lines") {
    return {
      onEvent: (e) => {
        if (e.type === "done")
          io.out(`${pc.green("ok")}      ${e.step.label}${e.detail ? pc.dim(` ${e.detail}`) : ""}\n`);
        if (e.type === "failed") io.out(redactSecrets(`${pc.red("failed")}  ${e.step.label}: ${e.error.message}\n`));
        if (e.type === "skipped") io.out(`${pc.yellow("skipped")} ${e.step.label} (needs: ${e.because})\n`);
      },
      stop: () => {},
    };
  }
  // Loaded only when a bar is drawn: a plan, or a deploy with nothing to do, does not pay for it.
  const cliProgress = createRequire(import.meta.url)("cli-progress") as typeof import("cli-progress");
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {value}/{total} steps | {speed} steps/s | ETA {eta_formatted} | {last}", hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const start = Date.now();
  let finished = 0;
  bar.start(total, 0, { speed: "0.0", last: "" });
  return {
    onEvent: (e) => {
      if (e.type === "start") return;
      finished++;
      bar.update(finished, {
        speed: (finished / Math.max(0.001, (Date.now() - start) / 1000)).toFixed(1),
        last: e.type === "done" ? e.step.label : `${e.type}: ${e.step.label}`,
      });
    },
    stop: () => bar.stop(),
  };
}

function renderSummary(s: ApplySummary, seconds: number, verb: string): string {
  const lines = [
    pc.bold(
      `${verb} in ${seconds.toFixed(1)} s: ${s.created} created, ${s.updated} updated, ${s.deleted} deleted, ` +
        `${s.submitted} submitted${s.adopted ? `, ${s.adopted} adopted` : ""}, ${s.failed.length} failed, ` +
        `${s.skipped.length} skipped.`,
    ),
  ];
  for (const f of s.failed) {
    lines.push(
      `${pc.red("failed")} ${f.step}${f.loc ? ` (${f.loc.file}:${f.loc.line})` : ""}: ` +
        `${f.code ? `[${f.code}] ` : ""}${f.message}${f.requestId ? ` RequestId ${f.requestId}` : ""}`,
    );
  }
  for (const k of s.skipped) lines.push(`${pc.yellow("skipped")} ${k.step}, because ${k.because} did not succeed`);
  return redactSecrets(`${lines.join("\n")}\n`);
}

export interface DeployCommandOptions extends PlanCommandOptions {
  /** Delete everything this project owns on the target (`wedata destroy`). */
  readonly destroy?: boolean;
  readonly yes: boolean;
  readonly prune: boolean;
  readonly json: boolean;
  /** Apply exactly this saved plan (`wedata plan --out`), refusing when code or remote moved. */
  readonly planFile?: string;
  /** Write tasks that carry another wedata-kit project's ownership mark (they become this project's). */
  readonly takeOver?: boolean;
  /** Skip the deploy lock (a target no other deployer uses). */
  readonly noLock?: boolean;
  /** The flags given on the command line (not defaults), checked against a saved plan. */
  readonly explicit?: PlanFlags;
}

/** `wedata deploy`: plan, show, confirm, apply. Returns the exit code. */
export async function deployCommand(o: DeployCommandOptions, io: Io): Promise<number> {
  let saved: PlanFile | undefined;
  if (o.planFile) {
    try {
      saved = parsePlanFile(readRegularFile(o.planFile, MAX_PLAN_FILE_BYTES).toString("utf8"), o.planFile);
    } catch (e) {
      io.err(`${pc.red("error")}: cannot use plan file ${o.planFile}: ${(e as Error).message}\n`);
      return 1;
    }
    const conflict = planFlagConflict(saved, o.explicit ?? {});
    if (conflict) {
      io.err(`${pc.red("error")}: refusing to apply ${o.planFile}: ${conflict}\n`);
      return 1;
    }
    o = { ...o, prune: saved.prune, submit: saved.submit, target: saved.target.name };
  }
  const p = await preparePlan({
    ...o,
    ...(o.noLock ? {} : { lock: { command: o.destroy ? "wedata destroy" : "wedata deploy" } }),
  });
  try {
    const { plan, build } = p;
    if (saved) {
      const why = stalePlanReason(saved, plan, build.compiled, p.remote);
      if (why) {
        io.err(
          `${pc.red("error")}: refusing to apply ${o.planFile}: ${why}. Run \`wedata plan --out ${o.planFile}\` ` +
            `again and review it.\n`,
        );
        return 1;
      }
    }
    // destroy is the explicit intent to delete everything: the deletion guards are for --prune.
    const guard = o.destroy ? undefined : guardFor(p, o);
    if (!o.json)
      io.out(
        renderPlan(plan, {
          rate: o.rate,
          connection: p.connection.description,
          prune: o.prune,
          targetValues: targetValuesOf(p.build),
          ...(guard && { guard }),
          ...(o.destroy && { destroy: true }),
        }),
      );
    if (guard?.refusal && o.prune) {
      io.err(`${pc.red("error")}: refusing to deploy: ${guard.refusal}\n`);
      return 1;
    }
    const applied = guard?.plan ?? plan;
    // A task another wedata-kit project owns is never taken over by accident.
    const takeovers = applied.tasks.filter((t) => t.ownedBy !== undefined && (t.op !== "noop" || t.submit));
    if (takeovers.length > 0 && !o.takeOver) {
      io.err(
        `${pc.red("error")}: refusing to deploy: ` +
          `${takeovers.map((t) => `${t.key} belongs to wedata-kit project "${t.ownedBy}"`).join("; ")}. If this ` +
          `project should own ${takeovers.length === 1 ? "it" : "them"} from now on, run again with --take-over\n`,
      );
      return 1;
    }
    if (!planHasChanges(applied, o.prune)) {
      // Nothing to change; the deploy state is brought up to date if the plan found it behind.
      if (!o.destroy && plan.stateBehind)
        await saveAppliedState(
          p.caller,
          applied,
          {
            created: 0,
            updated: 0,
            deleted: 0,
            submitted: 0,
            adopted: 0,
            failed: [],
            skipped: [],
            written: [],
            ids: plan.remoteIds,
          },
          { listLagMs: p.listLagMs ?? 0 },
        ).catch((e: unknown) => io.err(`${pc.yellow("warning")}: ${stateWarning(e)}\n`));
      if (o.json) io.out(`${JSON.stringify(redactValue({ plan, summary: null }), null, 2)}\n`);
      return 0;
    }
    // A saved plan was reviewed already; applying it is the confirmation. A deploy to the embedded emulator
    // (no credentials: local data in .wedata/local) changes nothing anyone else sees, and is not asked about.
    if (!o.yes && !saved && (o.destroy || p.connection.kind !== "embedded")) {
      const interactive = process.stdin.isTTY && !process.env.CI;
      if (!interactive) {
        io.err(
          `${pc.red("error")}: refusing to deploy without confirmation: pass --yes (stdin is not a ` +
            `terminal${process.env.CI ? ", CI is set" : ""})\n`,
        );
        return 1;
      }
      if (!(await confirm())) {
        io.out("Nothing applied.\n");
        return 1;
      }
    }
    const mode = o.json ? "none" : process.stdout.isTTY && !process.env.CI ? "bar" : "lines";
    const started = Date.now();
    const remark = `wedata-kit deploy ${new Date(started).toISOString()} commit ${gitCommit(build.loaded.root)}`;
    const reporter = progressReporter(io, totalCalls(applied, o.prune), mode);
    let summary: ApplySummary;
    try {
      summary = await applyPlan(applied, p.caller, {
        prune: o.prune,
        versionRemark: remark,
        onEvent: reporter.onEvent,
        ...(p.listLagMs && { listLagMs: p.listLagMs }),
      });
    } finally {
      reporter.stop();
    }
    // What was applied is recorded on the target (the next plan compares against it).
    if (!o.destroy)
      await saveAppliedState(p.caller, applied, summary, { listLagMs: p.listLagMs ?? 0 }).catch((e: unknown) =>
        io.err(`${pc.yellow("warning")}: ${stateWarning(e)}\n`),
      );
    // destroy removes what the project made, the deploy lock's workflow (and the deploy state in it) included.
    if (o.destroy && summary.failed.length === 0) {
      await p.releaseLock();
      await removeLockWorkflow({ caller: p.caller, projectId: plan.target.projectId, project: plan.project });
    }
    if (o.json) io.out(`${JSON.stringify(redactValue({ plan, summary, calls: p.caller.counts }), null, 2)}\n`);
    else io.out(renderSummary(summary, (Date.now() - started) / 1000, o.destroy ? "Destroyed" : "Deployed"));
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    await p.connection.close();
  }
}

/** A deploy state that could not be written costs the next plan reads, nothing else: a warning, not a failure. */
const stateWarning = (e: unknown) =>
  `the deploy was applied, but its record on the target (the deploy state) was not updated: ${(e as Error).message}. ` +
  `The next plan reads the tasks in full and the next deploy records them`;

/** The deletion guards of a command: whole workflows only when named, and the mass-deletion threshold. */
function guardFor(p: Prepared, o: DeletionFlags) {
  return guardDeletions(p.plan, {
    allowDelete: o.allowDelete ?? [],
    deployedTasks: p.remote.tasks.filter((t) => t.owner === p.plan.project).length,
    ...(o.maxDeletes !== undefined && { maxDeletes: o.maxDeletes }),
    ...(o.maxDeletePercent !== undefined && { maxDeletePercent: o.maxDeletePercent }),
    ...(o.allowMassDelete && { allowMassDelete: true }),
  });
}

/** The plan as Markdown for a pull request. */
export function planMarkdown(p: Prepared, prune: boolean): string {
  const removed = prune ? p.plan.prune.tasks.map((t) => ({ key: t.key, kind: "task", upstream: [] as string[] })) : [];
  return renderReviewMarkdown({
    title: `wedata plan: ${p.plan.target.name}`,
    subtitle:
      `Project \`${p.plan.target.projectId}\` in \`${p.plan.target.region}\`, compared with ` +
      `${p.connection.description}.` +
      targetValuesOf(p.build)
        .map(
          (v, i) =>
            `${i === 0 ? " Values for this target (byTarget): " : ", "}\`${v.where}\` = \`${JSON.stringify(v.value)}\``,
        )
        .join(""),
    changes: changesFromPlan(p.plan, prune),
    graphs: graphsFromSnapshot(renderSnapshot(p.build.compiled), undefined, removed),
  });
}

/** The values byTarget() chose, each at its `file:line` relative to the project. */
function targetValuesOf(build: ProjectBuild): Array<{ where: string; value: unknown }> {
  return (build.loaded.targetValues ?? []).map((v) => ({
    where: `${relative(build.loaded.root, v.loc.file)}:${v.loc.line}`,
    value: v.value,
  }));
}

/** `wedata plan`: exit 0 no changes, 2 changes with --detailed-exitcode. */
export async function planCommand(
  o: PlanCommandOptions & { json: boolean; format: string; out?: string; detailedExitcode: boolean; prune: boolean },
  io: Io,
): Promise<number> {
  const p = await preparePlan(o);
  try {
    if (o.out) {
      writePlanFile(
        o.out,
        `${JSON.stringify(
          makePlanFile(p.plan, p.build.compiled, p.remote, { prune: o.prune, submit: o.submit }),
          null,
          2,
        )}\n`,
      );
    }
    const format = o.json ? "json" : o.format;
    const targetValues = targetValuesOf(p.build);
    if (format === "json")
      io.out(`${JSON.stringify(redactValue({ plan: p.plan, reads: p.reads, targetValues }), null, 2)}\n`);
    else if (format === "markdown") io.out(planMarkdown(p, o.prune));
    else
      io.out(
        renderPlan(p.plan, {
          rate: o.rate,
          connection: p.connection.description,
          prune: o.prune,
          guard: guardFor(p, o),
          targetValues,
        }),
      );
    if (o.out && format !== "json") io.err(`plan saved to ${o.out}; apply it with: wedata deploy --plan ${o.out}\n`);
    if (!o.detailedExitcode) return 0;
    // 3 signals deletions waiting (applied with --prune, or held back), apart from other changes (2).
    if (p.plan.prune.tasks.length + p.plan.prune.workflows.length > 0) return 3;
    return planHasChanges(p.plan, o.prune) ? 2 : 0;
  } finally {
    await p.connection.close();
  }
}
