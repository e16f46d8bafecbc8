import { redactSecrets, redactValue } from "@wedata-kit/compiler";
import { expectedSeconds, plannedCalls, type FieldChange, type Plan, type TaskChange, type WorkflowChange } from "@wedata-kit/deployer";
import pc from "picocolors";

const SYMBOL: Record<string, string> = { create: pc.green("+"), update: pc.yellow("~"), replace: pc.magenta("-/+"), delete: pc.red("-"), noop: " " };
const show = (v: unknown) => JSON.stringify(redactValue(v)) ?? "null";
const where = (loc?: { file: string; line: number }) => (loc ? pc.dim(`  ${loc.file}:${loc.line}`) : "");

function fieldLines(fields: readonly FieldChange[], indent: string): string[] {
  return fields.map((f) => `${indent}${f.path}: ${pc.red(show(f.from))} -> ${pc.green(show(f.to))}`);
}

function codeLines(diff: string | undefined, indent: string): string[] {
  if (!diff) return [];
  return diff
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => indent + (l.startsWith("+") ? pc.green(l) : l.startsWith("-") ? pc.red(l) : l.startsWith("@@") ? pc.cyan(l) : l));
}

function changeLine(c: WorkflowChange | TaskChange): string[] {
  const label = c.kind === "workflow" ? c.name : c.key;
  const op = c.op === "noop" ? "submit" : c.op;
  const head = `  ${c.op === "noop" ? pc.cyan("^") : SYMBOL[c.op]} ${op.padEnd(7)} ${label}${c.reason ? pc.dim(` (${c.reason})`) : ""}${where(c.loc)}`;
  const lines = [head, ...fieldLines(c.fields.filter((f) => f.path !== "CodeContent"), "        ")];
  if (c.kind === "task") lines.push(...codeLines(c.codeDiff, "        "));
  return lines;
}

/** The plan as text for a terminal or a CI log. */
export function renderPlan(plan: Plan, opts: { rate: number; connection: string; prune: boolean }): string {
  const out: string[] = [pc.bold(`Plan for target ${plan.target.name}: project ${plan.target.projectId} in ${plan.target.region}, via ${opts.connection}`), ""];
  if (plan.folders.length) {
    out.push(pc.bold("Folders"));
    for (const f of plan.folders) out.push(`  ${SYMBOL.create} create  ${f.kind === "workflowFolder" ? `workflow folder ${f.path}` : `${f.type} task folder ${f.path} in ${f.workflow}`}`);
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
  if (pruneCount) {
    out.push(pc.bold(opts.prune ? "Deletions (--prune)" : "Deletions, applied only with --prune"));
    for (const c of [...plan.prune.tasks, ...plan.prune.workflows]) out.push(...changeLine(c));
    out.push("");
  }
  if (plan.unmanaged.length) {
    out.push(pc.dim(`Left alone (in managed workflows, not created by this project): ${plan.unmanaged.join(", ")}`), "");
  }
  const calls = plannedCalls(plan, opts.prune);
  const entries = Object.entries(calls).sort(([a], [b]) => a.localeCompare(b));
  const n = (op: string) => plan.tasks.filter((t) => t.op === op).length + plan.workflows.filter((w) => w.op === op).length;
  const submits = plan.tasks.filter((t) => t.submit).length;
  if (entries.length === 0) {
    out.push(pc.green("No changes.") + (pruneCount && !opts.prune ? ` ${pruneCount} deletion(s) wait for --prune.` : ""));
  } else {
    out.push(`API calls: ${entries.map(([a, c]) => `${a} ${c}`).join(", ")}; about ${expectedSeconds(calls, opts.rate).toFixed(1)} s at ${opts.rate} requests/s per action`);
    out.push(pc.bold(`Plan: ${n("create")} to create, ${n("update")} to update, ${n("replace")} to replace, ${submits} to submit, ${opts.prune ? pruneCount : 0} to delete${!opts.prune && pruneCount ? ` (${pruneCount} more with --prune)` : ""}.`));
  }
  return redactSecrets(out.join("\n") + "\n");
}
