import { diffLines } from "diff/lib/diff/line.js";
import { TASK_KINDS, type TaskKind } from "@wedata-kit/dsl";
import { canonicalText, sha256 } from "./canonical.js";
import type { CompiledProject } from "./model.js";
import { redactSecrets, redactValue } from "./redact.js";
import { taskNameOf } from "./refs.js";
import { must } from "@wedata-kit/dsl";

/** Default folder of the committed snapshot, relative to the project root. */
export const SNAPSHOT_DIR = "wedata.snapshot";

const EXTENSIONS = [...new Set(Object.values(TASK_KINDS).map((k) => k.fileExtension))];

const NAME = "[\\p{L}\\p{N}_-]+";
const SNAPSHOT_FILE = new RegExp(
  `^${NAME}/(?:workflow\\.json|tasks/${NAME}\\.(?:json|txt|` +
    `${EXTENSIONS.map((e) => e.replace(".", "\\.")).join("|")}))$`,
  "u",
);

/** Whether a path (relative to the snapshot folder) is one `renderSnapshot` writes. */
export const isSnapshotFile = (rel: string) => SNAPSHOT_FILE.test(rel);

/** File name of a task's program beside its JSON (`load.py`, `sync.job.json`). */
export const codeFileName = (task: string, kind: TaskKind) => `${task}.${TASK_KINDS[kind].fileExtension}`;

/**
 * The review snapshot: one JSON file per workflow and task (payloads with placeholders, secrets
 * redacted, the program replaced by its hash and file name), and the program as a readable file beside
 * it. No index or sequence file: branches that touch different tasks touch different files.
 */
export function renderSnapshot(project: CompiledProject): Map<string, string> {
  const files = new Map<string, string>();
  for (const w of project.workflows) {
    // `$source` first: the canonical order, so the body is written without a sorted copy.
    const body = w.payload
      ? { $source: w.loc.file, ...redactValue(w.payload) }
      : { $source: w.loc.file, existingWorkflowId: w.existingId };
    files.set(`${w.name}/workflow.json`, canonicalText(body));
  }
  for (const t of project.tasks) {
    const codeFile = t.code !== undefined ? codeFileName(t.name, t.kind) : undefined;
    const payload = redactValue(t.payload, () => "");
    const config = payload.TriggerTaskConfiguration as Record<string, unknown>;
    const bytes = Buffer.from(t.payload.TriggerTaskConfiguration.CodeContent ?? "", "base64");
    if (codeFile) config.CodeContent = { file: codeFile, sha256: sha256(bytes) };
    // A program that is not text (sent as declared with { binary: true }) is recorded by size and hash only.
    else if (t.payload.TriggerTaskConfiguration.CodeContent)
      config.CodeContent = { binary: true, bytes: bytes.length, sha256: sha256(bytes) };
    files.set(`${t.workflow}/tasks/${t.name}.json`, canonicalText({ $source: t.loc.file, ...payload }));
    if (codeFile) files.set(`${t.workflow}/tasks/${codeFile}`, redactSecrets(t.code!));
  }
  return files;
}

/** What a change did to one resource of the snapshot. */
export interface ResourceDiff {
  readonly kind: "workflow" | "task";
  /** `workflow` or `workflow/task`. */
  readonly key: string;
  readonly workflow: string;
  readonly op: "add" | "remove" | "modify";
  readonly fields: ReadonlyArray<{ readonly path: string; readonly from: unknown; readonly to: unknown }>;
  /** Unified-style line diff of the program, when it changed. */
  readonly code?: ReadonlyArray<{ readonly sign: "+" | "-" | " "; readonly line: string }>;
  /** The pipeline file that declares it (from the snapshot). */
  readonly source?: string;
  readonly kindLabel?: string;
  readonly upstream?: readonly string[];
}

function flatten(v: unknown, prefix: string, out: Map<string, string>) {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
}

function resources(
  files: ReadonlyMap<string, string>,
): Map<string, { json: Record<string, unknown>; code?: string; kind: "workflow" | "task"; workflow: string }> {
  const out = new Map<
    string,
    { json: Record<string, unknown>; code?: string; kind: "workflow" | "task"; workflow: string }
  >();
  for (const [path, content] of files) {
    // Task names hold no ".", so program files such as "sync.job.json" never match.
    const [, workflow, task] = /^([^/]+)\/(?:workflow\.json|tasks\/([^/.]+)\.json)$/.exec(path) ?? [];
    if (workflow === undefined) continue;
    const json = JSON.parse(content) as Record<string, unknown>;
    const key = task ? `${workflow}/${task}` : workflow;
    const codeRef = (
      (json.TriggerTaskConfiguration as Record<string, unknown> | undefined)?.CodeContent as
        | { file?: string }
        | undefined
    )?.file;
    out.set(key, {
      json,
      kind: task ? "task" : "workflow",
      workflow,
      ...(codeRef !== undefined && { code: files.get(`${workflow}/tasks/${codeRef}`) ?? "" }),
    });
  }
  return out;
}

/** Short display names of task kinds by TaskTypeId, for diffs and graphs. */
const TYPE_LABEL: Record<string, string> = Object.fromEntries(
  Object.values(TASK_KINDS).map((k) => [String(k.typeId), k.label]),
);

export const taskTypeLabel = (typeId: string | number) => TYPE_LABEL[String(typeId)] ?? String(typeId);

function describe(r: { json: Record<string, unknown>; kind: string }) {
  const base = r.json.TriggerTaskBaseAttribute as Record<string, unknown> | undefined;
  const ups =
    ((r.json.TriggerTaskSchedulerConfiguration as Record<string, unknown> | undefined)?.UpstreamDependencyConfigList as
      | Array<{ TaskId: string }>
      | undefined) ?? [];
  return {
    ...(typeof r.json.$source === "string" && { source: r.json.$source }),
    ...(base && { kindLabel: taskTypeLabel(base.TaskTypeId as string) }),
    upstream: ups.map((u) => taskNameOf(u.TaskId)),
  };
}

/** Compare two snapshots resource by resource: field by field, and the program line by line. */
export function diffSnapshots(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): ResourceDiff[] {
  const a = resources(base);
  const b = resources(head);
  const out: ResourceDiff[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const from = a.get(key);
    const to = b.get(key);
    const any = (to ?? from)!;
    const fa = new Map<string, string>();
    const fb = new Map<string, string>();
    if (from) flatten(from.json, "", fa);
    if (to) flatten(to.json, "", fb);
    const fields = [...new Set([...fa.keys(), ...fb.keys()])]
      .filter((p) => !p.startsWith("$source") && !p.includes("CodeContent.file") && fa.get(p) !== fb.get(p))
      .sort()
      .map((p) => ({
        path: p,
        from: fa.has(p) ? JSON.parse(must(fa.get(p), "fa entry")) : null,
        to: fb.has(p) ? JSON.parse(must(fb.get(p), "fb entry")) : null,
      }));
    const codeA = from?.code ?? "";
    const codeB = to?.code ?? "";
    const code =
      codeA !== codeB
        ? diffLines(codeA, codeB).flatMap((part) =>
            part.value
              .replace(/\n$/, "")
              .split("\n")
              .map((line) => ({ sign: (part.added ? "+" : part.removed ? "-" : " ") as "+" | "-" | " ", line })),
          )
        : undefined;
    const op = !from ? "add" : !to ? "remove" : "modify";
    if (op === "modify" && fields.length === 0 && !code) continue;
    out.push({
      kind: any.kind,
      key,
      workflow: any.workflow,
      op,
      fields: op === "modify" ? fields : [],
      ...(code && { code }),
      ...describe(any),
    });
  }
  return out;
}
