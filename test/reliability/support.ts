/**
 * Shared pieces of the reliability suite. `RELIABILITY=full` (npm run test:reliability) runs the sizes
 * of the issue (300 tasks, 20 kill runs); otherwise a bounded size that CI runs on every push.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_KEY_PAIR, startEmulator, type RunningEmulator } from "@wedata-kit/emulator";
import { writeSyntheticProject } from "../../bench/synth.js";
import { buildProject } from "../../packages/cli/src/compile-project.js";
import { runCli } from "../cli.js";
import { repoRoot } from "../helpers.js";
import { PROJECT, sdkClient } from "../sdk.js";

export const FULL = process.env.RELIABILITY === "full";
export const REPORT_DIR = join(repoRoot, ".wedata-reliability");

/** Add figures to the report printed at the end of the run. */
export function record(section: string, figures: Record<string, number | string>): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  const file = join(REPORT_DIR, `${section}.json`);
  let prev: Record<string, number | string> = {};
  try {
    prev = JSON.parse(readFileSync(file, "utf8")) as Record<string, number | string>;
  } catch {
    // First figures of this section.
  }
  const merged = { ...prev };
  for (const [k, v] of Object.entries(figures))
    merged[k] = typeof v === "number" && typeof prev[k] === "number" ? (prev[k] as number) + v : v;
  writeFileSync(file, JSON.stringify(merged));
}

export function readReport(): Array<[string, Record<string, number | string>]> {
  try {
    return readdirSync(REPORT_DIR)
      .sort()
      .map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(join(REPORT_DIR, f), "utf8"))]);
  } catch {
    return [];
  }
}

/**
 * The whole suite runs with this recognisable fake key pair configured: every output it produces and
 * every file it leaves in its projects is searched for it before the projects are removed.
 */
export const SUITE_KEY = {
  secretId: "AKIDwedatakitReliabilitySuite000000000",
  secretKey: "wkRELIABILITYfakeKEY-3e7a9c-never-print",
  uin: DEFAULT_KEY_PAIR.uin,
} as const;

/** An emulator that accepts the suite's key pair (and the documented local one, for test helpers). */
export const suiteEmulator = (options: Parameters<typeof startEmulator>[0] = {}) =>
  startEmulator({ ...options, keys: [SUITE_KEY, DEFAULT_KEY_PAIR] });

/** Environment for the CLI: the endpoint and the suite's key pair. */
export const suiteEnv = (url: string): Record<string, string> => ({
  WEDATA_ENDPOINT: url,
  TENCENTCLOUD_SECRET_ID: SUITE_KEY.secretId,
  TENCENTCLOUD_SECRET_KEY: SUITE_KEY.secretKey,
  CI: "true",
});

const outputs: string[] = [];
/** Keep text the suite printed (child processes' output too) for the secret search. */
export const keepOutput = (...texts: string[]) => void outputs.push(...texts);

/** Run the CLI in process with the suite's key pair (plus `env`), keeping its output. */
export async function cli(args: string[], url: string, env: Record<string, string | undefined> = {}) {
  const r = await runCli(args, { ...suiteEnv(url), ...env });
  keepOutput(r.out, r.err);
  return r;
}

/** Every file under `dir`, recursively, except inside node_modules. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

const dirs: string[] = [];
/**
 * Search the kept output and every file of the suite's projects for the key pair, then remove the
 * projects. A hit fails the test that ran.
 */
export function cleanupDirs() {
  const files = dirs.flatMap((d) => filesUnder(d));
  const hits = [...outputs, ...files.map((f) => readFileSync(f, "latin1"))].filter(
    (t) => t.includes(SUITE_KEY.secretKey) || t.includes(SUITE_KEY.secretId),
  ).length;
  record("secrets", { "outputs searched": outputs.length, "files searched": files.length, "key pair hits": hits });
  outputs.length = 0;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  if (hits > 0) throw new Error(`the suite's key pair appeared ${hits} time(s) in output or project files`);
}

/** A synthetic project on disk and the task keys it declares. */
export async function syntheticProject(
  tasks: number,
  workflows: number,
  depth: number,
  seed = 7,
): Promise<{ dir: string; keys: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "wedata-rel-"));
  dirs.push(dir);
  writeSyntheticProject(dir, repoRoot, { tasks, workflows, depth, seed });
  const { compiled } = await buildProject({ cwd: dir, typecheck: false });
  return { dir, keys: compiled.tasks.map((t) => t.key).sort() };
}

/**
 * Remove the project's deploy state from the target (as for a project deployed by an earlier wedata-kit,
 * or whose state task someone deleted): the next plan reads every task in full. Returns what it held.
 */
export async function dropDeployState(emu: Pick<RunningEmulator, "endpoint">): Promise<string[]> {
  const c = sdkClient(emu, SUITE_KEY);
  const wfs = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!.filter((w) =>
    w.WorkflowName?.startsWith("wedata_kit_lock_"),
  );
  const held: string[] = [];
  for (const w of wfs) {
    for (const t of (await c.ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: w.WorkflowId!, PageSize: 200 })).Data!
      .Items!) {
      if (!/^state_\d+$/.test(t.TaskName ?? "")) continue;
      const got = (await c.GetTriggerTask({ ProjectId: PROJECT, TaskId: t.TaskId })).Data!;
      held.push(Buffer.from(got.TriggerTaskConfiguration!.CodeContent ?? "", "base64").toString("utf8"));
      await c.DeleteTriggerTask({ ProjectId: PROJECT, TaskId: t.TaskId });
    }
  }
  return held;
}

export interface RemoteTaskRow {
  readonly key: string;
  readonly id: string;
  readonly workflowId: string;
  readonly name: string;
}

/** Every task in the emulator (all pages), and the keys that appear more than once. */
export async function remoteTasks(
  emu: Pick<RunningEmulator, "endpoint">,
): Promise<{ rows: RemoteTaskRow[]; keys: string[]; duplicates: string[] }> {
  const c = sdkClient(emu, SUITE_KEY);
  const wfs = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!;
  const names = new Map(wfs.map((w) => [w.WorkflowId, w.WorkflowName]));
  const rows: RemoteTaskRow[] = [];
  for (let page = 1; ; page++) {
    const d = (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200, PageNumber: page })).Data!;
    // The project's bookkeeping workflow (deploy lock and deploy state) is not among what the project deploys.
    rows.push(
      ...d
        .Items!.filter((t) => !names.get(t.WorkflowId)?.startsWith("wedata_kit_lock_"))
        .map((t) => ({
          key: `${names.get(t.WorkflowId)}/${t.TaskName}`,
          id: t.TaskId,
          workflowId: t.WorkflowId,
          name: t.TaskName!,
        })),
    );
    if (page >= (d.TotalPageNumber ?? 1)) break;
  }
  const keys = rows.map((r) => r.key).sort();
  const duplicates = keys.filter((k, i) => keys[i - 1] === k);
  const wfDuplicates = wfs
    .map((w) => w.WorkflowName!)
    .sort()
    .filter((n, i, a) => a[i - 1] === n);
  return { rows, keys, duplicates: [...duplicates, ...wfDuplicates.map((n) => `workflow ${n}`)] };
}

/**
 * Creates that named an upstream task whose own create had not been committed before (from the
 * emulator's request log): each must be zero for "upstream tasks before the tasks that depend on them".
 */
export function orderViolations(emu: RunningEmulator, rows: readonly RemoteTaskRow[]): string[] {
  const idOf = new Map(rows.map((r) => [`${r.workflowId}/${r.name}`, r.id]));
  const committedAt = new Map<string, number>();
  const creates = emu.log.filter(
    (e) => e.action === "CreateTriggerTask" && (e.outcome === "ok" || e.outcome === "lost" || e.outcome === "hang"),
  );
  for (const e of creates) {
    const id = e.result?.TaskId ?? idOf.get(`${e.subject?.workflowId}/${e.subject?.name}`);
    if (id && !committedAt.has(id)) committedAt.set(id, e.seq);
  }
  const out: string[] = [];
  for (const e of creates) {
    for (const u of e.subject?.upstream ?? []) {
      const at = committedAt.get(u);
      if (at === undefined || at > e.seq) out.push(`${e.subject?.name} (request ${e.seq}) before its upstream ${u}`);
    }
  }
  // The server refuses unknown upstream ids; such an answer would also mean a task went first. (The deploy
  // lock's create is refused by design while a killed run's lock is still there: it is then broken and taken.)
  for (const e of emu.log)
    if (e.action === "CreateTriggerTask" && e.code?.startsWith("InvalidParameter") && e.subject?.name !== "lock")
      out.push(`request ${e.seq} refused: ${e.code}`);
  return out;
}
