import { redactSecrets, redactValue, type ResourceDiff } from "@wedata-kit/compiler";
import type { Plan, TaskChange, WorkflowChange } from "@wedata-kit/deployer";
import { cutToChanges, renderMermaid, type NodeStatus, type WorkflowGraph } from "./graph.js";

/** One change as every review renderer sees it, from a plan or from an offline diff. */
export interface ReviewChange {
  readonly kind: "workflow" | "task";
  readonly key: string;
  readonly workflow: string;
  readonly op: "add" | "modify" | "replace" | "remove" | "submit";
  readonly kindLabel?: string;
  readonly fields: ReadonlyArray<{ readonly path: string; readonly from: unknown; readonly to: unknown }>;
  readonly code?: ReadonlyArray<{ readonly sign: "+" | "-" | " " | "@"; readonly line: string }>;
  /** `file:line` of the builder call, or the file when only that is known. */
  readonly where?: string;
  /** For creates: the key settings (kind, upstream tasks, folder, schedule, program). */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly reason?: string;
}

export const MARKDOWN_LIMIT = 60_000;
const SIGN: Record<ReviewChange["op"], string> = { add: "+", modify: "~", replace: "-/+", remove: "-", submit: "^" };
const STATUS: Record<ReviewChange["op"], NodeStatus> = {
  add: "added",
  modify: "changed",
  replace: "replaced",
  remove: "removed",
  submit: "same",
};

const unifiedToLines = (diff?: string) =>
  diff
    ?.split("\n")
    .filter((l) => l.length > 0 && !l.startsWith("---") && !l.startsWith("+++") && !l.startsWith("\\"))
    .map((l) => ({
      sign: (l.startsWith("@@") ? "@" : l[0] === "+" ? "+" : l[0] === "-" ? "-" : " ") as "+" | "-" | " " | "@",
      line: l.startsWith("@@") ? l : l.slice(1),
    }));

export function changesFromPlan(plan: Plan, prune: boolean): ReviewChange[] {
  const where = (c: WorkflowChange | TaskChange) => (c.loc ? `${c.loc.file}:${c.loc.line}` : undefined);
  const op = (c: WorkflowChange | TaskChange): ReviewChange["op"] | undefined =>
    c.op === "create"
      ? "add"
      : c.op === "update"
        ? "modify"
        : c.op === "replace"
          ? "replace"
          : c.op === "delete"
            ? "remove"
            : c.kind === "task" && c.submit
              ? "submit"
              : undefined;
  const out: ReviewChange[] = [];
  for (const c of [
    ...plan.workflows,
    ...plan.tasks,
    ...(prune ? [...plan.prune.workflows, ...plan.prune.tasks] : []),
  ]) {
    const o = op(c);
    if (!o) continue;
    out.push({
      kind: c.kind,
      key: c.kind === "workflow" ? c.name : c.key,
      workflow: c.kind === "workflow" ? c.name : c.workflow,
      op: o,
      fields: c.fields.filter((f) => f.path !== "CodeContent"),
      ...(c.kind === "task" && c.codeDiff && { code: unifiedToLines(c.codeDiff) }),
      ...(where(c) !== undefined && { where: where(c) }),
      ...(c.reason && { reason: c.reason }),
      ...("summary" in c && c.summary && { settings: c.summary }),
    });
  }
  return out;
}

export function changesFromDiff(
  diffs: readonly ResourceDiff[],
  locations: ReadonlyMap<string, string>,
): ReviewChange[] {
  return diffs.map((d) => ({
    kind: d.kind,
    key: d.key,
    workflow: d.workflow,
    op: d.op === "add" ? "add" : d.op === "remove" ? "remove" : "modify",
    ...(d.kindLabel && { kindLabel: d.kindLabel }),
    fields: d.fields,
    ...(d.code && { code: contextOnly(d.code) }),
    ...((locations.get(d.key) ?? d.source) && { where: locations.get(d.key) ?? d.source }),
  }));
}

/** Changed lines with three lines of context; `@` marks a gap. */
function contextOnly(lines: ReadonlyArray<{ sign: "+" | "-" | " "; line: string }>): ReviewChange["code"] {
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (l.sign !== " ") for (let j = Math.max(0, i - 3); j <= Math.min(lines.length - 1, i + 3); j++) keep.add(j);
  });
  const out: Array<{ sign: "+" | "-" | " " | "@"; line: string }> = [];
  let last = -1;
  for (const i of [...keep].sort((a, b) => a - b)) {
    if (i !== last + 1) out.push({ sign: "@", line: `@@ line ${i + 1} @@` });
    const l = lines[i];
    if (l) out.push(l);
    last = i;
  }
  return out;
}

const show = (v: unknown) => JSON.stringify(redactValue(v)) ?? "null";
const codeText = (code: ReviewChange["code"]) =>
  (code ?? []).map((l) => (l.sign === "@" ? l.line : `${l.sign}${l.line}`)).join("\n");

/** The offline diff as terminal text. */
export function renderReviewText(title: string, changes: readonly ReviewChange[]): string {
  if (changes.length === 0) return redactSecrets(`${title}\n\nNo differences.\n`);
  const out = [title, ""];
  for (const c of changes) {
    out.push(
      `${SIGN[c.op]} ${c.key}${c.kindLabel ? ` (${c.kindLabel})` : ""}` +
        `${c.where ? `  ${c.where}` : ""}${c.reason ? `  (${c.reason})` : ""}`,
    );
    for (const f of c.fields) out.push(`    ${f.path}: ${show(f.from)} -> ${show(f.to)}`);
    if (c.code)
      out.push(
        ...codeText(c.code)
          .split("\n")
          .map((l) => `    ${l}`),
      );
  }
  const count = (op: ReviewChange["op"]) => changes.filter((c) => c.op === op).length;
  out.push(
    "",
    `${count("add")} added, ${count("modify")} modified, ${count("replace")} replaced, ${count("remove")} removed.`,
  );
  return redactSecrets(`${out.join("\n")}\n`);
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>").slice(0, 300);
const fence = (lang: string, body: string) => {
  const ticks = body.includes("```") ? "````" : "```";
  return `${ticks}${lang}\n${body}\n${ticks}`;
};

/**
 * Markdown for a pull request: a summary table per workflow, a Mermaid diagram of each changed
 * workflow, then collapsible details per change. Never longer than `limit` characters: what does not
 * fit is counted in a closing note. Everything passes the shared redactor.
 */
export function renderReviewMarkdown(opts: {
  title: string;
  subtitle?: string;
  changes: readonly ReviewChange[];
  graphs: readonly WorkflowGraph[];
  limit?: number;
}): string {
  const limit = opts.limit ?? MARKDOWN_LIMIT;
  const { changes } = opts;
  const parts: string[] = [`## ${opts.title}`, ""];
  if (opts.subtitle) parts.push(opts.subtitle, "");
  if (changes.length === 0) return redactSecrets(`${[...parts, "No changes."].join("\n")}\n`);

  const workflows = [...new Set(changes.map((c) => c.workflow))].sort();
  const count = (w: string, op: ReviewChange["op"]) =>
    changes.filter((c) => c.workflow === w && c.op === op && c.kind === "task").length;
  const state = (w: string) => changes.find((c) => c.kind === "workflow" && c.key === w)?.op;
  parts.push(
    "| Workflow | | Added | Changed | Replaced | Removed | Submitted only |",
    "|---|---|---:|---:|---:|---:|---:|",
  );
  const MAX_ROWS = 200;
  for (const w of workflows.slice(0, MAX_ROWS)) {
    const op = state(w);
    parts.push(
      `| ${cell(w)} | ${op ? SIGN[op] : ""} | ${count(w, "add")} | ${count(w, "modify")} | ` +
        `${count(w, "replace")} | ${count(w, "remove")} | ${count(w, "submit")} |`,
    );
  }
  if (workflows.length > MAX_ROWS) parts.push(`| … ${workflows.length - MAX_ROWS} more workflows | | | | | | |`);
  const totals = (["add", "modify", "replace", "remove", "submit"] as const).map(
    (op) => changes.filter((c) => c.op === op).length,
  );
  parts.push(
    "",
    `**${totals[0]} to add, ${totals[1]} to change, ${totals[2]} to replace, ${totals[3]} to remove, ${totals[4]} to ` +
      `submit only.**`,
    "",
    "",
  );

  const closing = (omitted: number, graphsOmitted: number) =>
    omitted + graphsOmitted > 0
      ? `\n> Output cut to stay under ${limit.toLocaleString("en-US")} characters: ${omitted} ` +
        `change(s)${graphsOmitted ? ` and ${graphsOmitted} diagram(s)` : ""} not shown. Run the same command locally ` +
        `for the full text.\n`
      : "";
  const RESERVE = 400;
  let text = redactSecrets(parts.join("\n"));
  const fits = (s: string) => text.length + s.length + RESERVE <= limit;

  // Diagrams of changed workflows, cut to the changed tasks and their neighbours.
  let graphsOmitted = 0;
  const statusOf = new Map(changes.filter((c) => c.kind === "task").map((c) => [c.key, STATUS[c.op]]));
  for (const g of opts.graphs.filter((x) => workflows.includes(x.workflow))) {
    const marked: WorkflowGraph = {
      ...g,
      nodes: g.nodes.map((n) => ({
        ...n,
        status: n.status === "removed" ? "removed" : (statusOf.get(`${g.workflow}/${n.name}`) ?? "same"),
      })),
    };
    const { graph, omitted } = cutToChanges(marked, 40);
    const block = redactSecrets(
      `<details open><summary>Graph of <code>${g.workflow}</code>` +
        `${omitted ? ` (changed tasks and their neighbours; ${omitted} other tasks hidden)` : ""}</summary>\n\n` +
        `${fence("mermaid", renderMermaid([graph]).trimEnd())}\n\n</details>\n\n`,
    );
    if (fits(block)) text += block;
    else graphsOmitted++;
  }

  let omitted = 0;
  for (const c of changes) {
    if (omitted > 0) {
      omitted++;
      continue;
    }
    const body: string[] = [];
    if (c.reason) body.push(`_${cell(c.reason)}_`, "");
    if (c.settings) {
      body.push("| Setting | Value |", "|---|---|");
      for (const [k, v] of Object.entries(c.settings)) body.push(`| ${cell(k)} | \`${cell(show(v))}\` |`);
      body.push("");
    }
    if (c.fields.length) {
      body.push("| Field | From | To |", "|---|---|---|");
      for (const f of c.fields)
        body.push(`| \`${cell(f.path)}\` | \`${cell(show(f.from))}\` | \`${cell(show(f.to))}\` |`);
      body.push("");
    }
    if (c.code?.length) body.push(fence("diff", codeText(c.code)), "");
    const summary =
      `<code>${SIGN[c.op]} ` +
      `${c.key}</code>${c.kindLabel ? ` ${c.kindLabel}` : ""}${c.where ? ` — ${c.where}` : ""}`;
    const block = redactSecrets(
      body.length ? `<details><summary>${summary}</summary>\n\n${body.join("\n")}\n</details>\n` : `- ${summary}\n`,
    );
    if (fits(block)) text += block;
    else omitted++;
  }
  return text + redactSecrets(closing(omitted, graphsOmitted));
}
