import { redactSecrets, redactValue } from "@wedata-kit/compiler";
import {
  expectedSeconds,
  plannedCalls,
  type FieldChange,
  type GuardedDeletions,
  type Plan,
  type TaskChange,
  type WorkflowChange,
} from "@wedata-kit/deployer";
import pc from "picocolors";

const SYMBOL: Record<string, string> = {
  create: pc.green("+"),
  update: pc.yellow("~"),
  replace: pc.magenta("-/+"),
  delete: pc.red("-"),
  noop: " ",
};
const show = (v: unknown) => JSON.stringify(redactValue(v)) ?? "null";
const where = (loc?: { file: string; line: number }) => (loc ? pc.dim(`  ${loc.file}:${loc.line}`) : "");

function fieldLines(fields: readonly FieldChange[], indent: string): string[] {
  return fields.map((f) => `${indent}${f.path}: ${pc.red(show(f.from))} -> ${pc.green(show(f.to))}`);
}

/** The key settings of a create: one line of them, then the program's first lines. */
function summaryLines(summary: Readonly<Record<string, unknown>> | undefined, indent: string): string[] {
  if (!summary) return [];
  const value = (v: unknown) =>
    Array.isArray(v)
      ? v.join(", ")
      : typeof v === "object" && v !== null
        ? Object.entries(v)
            .map(([k, x]) => `${k}=${String(x)}`)
            .join(", ")
        : String(v);
  const { code, ...rest } = summary as { code?: { bytes: number; firstLines?: string[]; binary?: boolean } };
  const lines = [
    pc.dim(
      `${indent}${Object.entries(rest)
        .map(([k, v]) => `${k}: ${value(v)}`)
        .join("; ")}${code ? `; code: ${code.bytes} bytes${code.binary ? " (binary)" : ""}` : ""}`,
    ),
  ];
  for (const l of code?.firstLines ?? [])
    lines.push(pc.dim(`${indent}| ${l.length > 100 ? `${l.slice(0, 97)}...` : l}`));
  return lines;
}

function codeLines(diff: string | undefined, indent: string): string[] {
  if (!diff) return [];
  return diff
    .split("\n")
    .filter((l) => l.length > 0)
    .map(
      (l) =>
        indent +
        (l.startsWith("+") ? pc.green(l) : l.startsWith("-") ? pc.red(l) : l.startsWith("@@") ? pc.cyan(l) : l),
    );
}

function changeLine(c: WorkflowChange | TaskChange): string[] {
  const label = c.kind === "workflow" ? c.name : c.key;
  const op = c.op === "noop" ? "submit" : c.op;
  const head =
    `  ${c.op === "noop" ? pc.cyan("^") : SYMBOL[c.op]} ${op.padEnd(7)} ` +
    `${label}${c.reason ? pc.dim(` (${c.reason})`) : ""}${where(c.loc)}`;
  const lines = [
    head,
    ...summaryLines("summary" in c ? c.summary : undefined, "        "),
    ...fieldLines(
      c.fields.filter((f) => f.path !== "CodeContent"),
      "        ",
    ),
  ];
  if (c.kind === "task") lines.push(...codeLines(c.codeDiff, "        "));
  return lines;
}

/** The plan as text for a terminal or a CI log. */
export function renderPlan(
  plan: Plan,
  opts: {
    rate: number;
    connection: string;
    prune: boolean;
    guard?: GuardedDeletions;
    destroy?: boolean;
    /** What byTarget() chose for this target, where. */
    targetValues?: ReadonlyArray<{ readonly where: string; readonly value: unknown }>;
  },
): string {
  const out: string[] = [
    pc.bold(
      `Plan for target ${plan.target.name}: project ${plan.target.projectId} in ${plan.target.region}, via ` +
        `${opts.connection}`,
    ),
    "",
  ];
  if (opts.targetValues?.length) {
    out.push(pc.bold(`Values for target ${plan.target.name} (byTarget)`));
    const width = Math.max(...opts.targetValues.map((v) => v.where.length));
    for (const v of opts.targetValues) out.push(`  ${v.where.padEnd(width)}  ${JSON.stringify(v.value)}`);
    out.push("");
  }
  if (plan.folders.length) {
    out.push(pc.bold("Folders"));
    for (const f of plan.folders)
      out.push(
        `  ${SYMBOL.create} create  ` +
          (f.kind === "workflowFolder"
            ? `workflow folder ${f.path}`
            : `${f.type} task folder ${f.path} in ${f.workflow}`),
      );
    out.push("");
  }
  const wf = plan.workflows.filter((w) => w.op !== "noop");
  if (wf.length) {
    out.push(pc.bold("Workflows"));
    for (const w of wf) out.push(...changeLine(w));
    out.push("");
  }
  const tasks = plan.tasks.filter((t) => t.op !== "noop" || t.submit);
  if (tasks.length) {
    out.push(pc.bold("Tasks"));
    for (const t of tasks) out.push(...changeLine(t));
    out.push("");
  }
  const pruneCount = plan.prune.tasks.length + plan.prune.workflows.length;
  const whole = new Map((opts.guard?.wholeWorkflows ?? []).map((w) => [w.name, w]));
  if (opts.destroy && pruneCount) {
    out.push(pc.bold(pc.red("To delete (everything this project created on the target)")));
    for (const c of [...plan.prune.tasks, ...plan.prune.workflows]) out.push(...changeLine(c));
    out.push("");
  } else if (pruneCount) {
    const removed = plan.prune.tasks.filter((t) => !whole.has(t.workflow));
    if (removed.length) {
      out.push(
        pc.bold(
          opts.prune
            ? "Tasks removed from the code (deleted with --prune)"
            : "Tasks removed from the code (deleted only with --prune)",
        ),
      );
      for (const c of removed) out.push(...changeLine(c));
      out.push("");
    }
    if (whole.size) {
      out.push(pc.bold(pc.red("Whole workflows going away")));
      for (const w of whole.values()) {
        const cause = w.declared
          ? "it is declared with no tasks: did its .tasks(...) lose them?"
          : "it is no longer declared: is it still exported from its pipeline file, and is that file listed in " +
            "pipelines of wedata.config.ts?";
        out.push(
          `  ${pc.red("-")} ${pc.red(`delete  ${w.name}`)} (${w.tasks} ` +
            `task(s)${w.declared ? "" : " and the workflow"}): ${cause}`,
        );
        out.push(
          `        ${
            w.allowed
              ? opts.prune
                ? pc.red("deleted: named with --allow-delete")
                : "named with --allow-delete; deleted with --prune"
              : `held back: deleting a whole workflow needs --prune --allow-delete ${w.name}`
          }`,
        );
      }
      out.push("");
    }
  }
  if (opts.guard?.refusal && opts.prune) out.push(pc.red(`Refused: ${opts.guard.refusal}.`), "");
  const foreign = plan.tasks.filter((t) => t.ownedBy !== undefined);
  if (foreign.length) {
    out.push(
      pc.yellow(
        `Owned by another wedata-kit project (a deploy that changes them takes them over only with --take-over): ` +
          `${foreign.map((t) => `${t.key} (project "${t.ownedBy}")`).join(", ")}`,
      ),
      "",
    );
  }
  if (plan.keptBack?.length) {
    out.push(pc.yellow(`Kept, though no longer in the code (deleting would touch what is not this project's):`));
    for (const k of plan.keptBack) out.push(`  = keep    ${k.key}: ${k.reason}`);
    out.push("");
  }
  if (plan.unmanaged.length) {
    const kind = (k: string) =>
      plan.unmodelled?.[k] !== undefined ? ` (type id ${plan.unmodelled[k]}, a kind wedata-kit does not model)` : "";
    out.push(
      pc.dim(
        `Left alone (in managed workflows, not created by this project): ` +
          `${plan.unmanaged.map((k) => `${k}${kind(k)}`).join(", ")}`,
      ),
      "",
    );
  }
  const applied = opts.guard && !opts.destroy ? opts.guard.plan : plan;
  const calls = plannedCalls(applied, opts.prune);
  const entries = Object.entries(calls).sort(([a], [b]) => a.localeCompare(b));
  const n = (op: string) =>
    plan.tasks.filter((t) => t.op === op).length + plan.workflows.filter((w) => w.op === op).length;
  const submits = plan.tasks.filter((t) => t.submit).length;
  if (entries.length === 0) {
    out.push(
      pc.green("No changes.") + (pruneCount && !opts.prune ? ` ${pruneCount} deletion(s) wait for --prune.` : ""),
    );
  } else {
    out.push(
      `API calls: ${entries.map(([a, c]) => `${a} ${c}`).join(", ")}; about ` +
        `${expectedSeconds(calls, opts.rate).toFixed(1)} s at ${opts.rate} requests/s per action`,
    );
    const deleting = opts.prune ? applied.prune.tasks.length + applied.prune.workflows.length : 0;
    const held = pruneCount - deleting;
    out.push(
      pc.bold(
        `Plan: ${n("create")} to create, ${n("update")} to update, ${n("replace")} to replace, ${submits} to submit, ` +
          `${deleting} to delete${held > 0 ? ` (${held} more ${opts.prune ? "held back" : "with --prune"})` : ""}.`,
      ),
    );
  }
  return redactSecrets(`${out.join("\n")}\n`);
}
