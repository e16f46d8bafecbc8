import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { diffSnapshots, redactSecrets, renderSnapshot, taskNameOf } from "@wedata-kit/compiler";
import { buildProject } from "./compile-project.js";
import { graphsFromSnapshot, renderDot, renderMermaid, type NodeStatus } from "./graph.js";
import { changesFromDiff, renderReviewMarkdown, renderReviewText } from "./review.js";
import { defaultBase, readFileAtRevision, readTree, readTreeAtRevision } from "./snapshot-io.js";

export interface DiffOptions {
  readonly cwd: string;
  readonly target?: string;
  readonly base?: string;
  readonly head?: string;
  readonly format: "text" | "markdown";
  readonly snapshot: string;
}

/** `wedata diff`: compare two snapshots (git revisions or folders; HEAD defaults to the working tree). */
export async function diffCommand(o: DiffOptions): Promise<string> {
  const build = await buildProject({ cwd: o.cwd, ...(o.target && { target: o.target }), typecheck: false });
  const root = build.loaded.root;
  // A BASE or HEAD that names a folder is a snapshot folder; anything else is a git revision.
  const isFolder = (spec: string) => existsSync(resolve(o.cwd, spec)) && statSync(resolve(o.cwd, spec)).isDirectory();
  const side = (spec: string) =>
    isFolder(spec) ? readTree(resolve(o.cwd, spec)) : readTreeAtRevision(root, o.snapshot, spec);
  const baseSpec = o.base ?? defaultBase(root);
  const base = side(baseSpec);
  const head = o.head ? side(o.head) : renderSnapshot(build.compiled);
  // Builder locations: exact for the working tree; for a revision, found in that revision's source.
  const locations = new Map<string, string>(
    o.head
      ? []
      : [
          ...build.compiled.tasks.map((t) => [t.key, `${t.loc.file}:${t.loc.line}`] as const),
          ...build.compiled.workflows.map((w) => [w.name, `${w.loc.file}:${w.loc.line}`] as const),
        ],
  );
  const diffs = diffSnapshots(base, head);
  const sourceAt = (spec: string | undefined) => (file: string) => {
    try {
      if (spec && !isFolder(spec)) return readFileAtRevision(root, file, spec);
      return readFileSync(resolve(root, file), "utf8");
    } catch {
      return undefined;
    }
  };
  for (const d of diffs) {
    if (locations.has(d.key) || !d.source) continue;
    const text = (d.op === "remove" ? sourceAt(baseSpec) : sourceAt(o.head))(d.source);
    const line = text && builderLine(text, d.kind, d.kind === "workflow" ? d.key : d.key.slice(d.workflow.length + 1));
    if (line) locations.set(d.key, `${d.source}:${line}`);
  }
  const changes = changesFromDiff(diffs, locations);
  const title = `wedata diff ${baseSpec.slice(0, 12)}..${o.head ?? "working tree"}`;
  if (o.format === "text") return renderReviewText(title, changes);
  const status = new Map<string, NodeStatus>(
    changes.map((c) => [c.key, c.op === "add" ? "added" : c.op === "remove" ? "removed" : "changed"]),
  );
  const removed = changes
    .filter((c) => c.op === "remove" && c.kind === "task")
    .map((c) => {
      const json = JSON.parse(base.get(`${c.workflow}/tasks/${c.key.slice(c.workflow.length + 1)}.json`) ?? "{}") as {
        TriggerTaskSchedulerConfiguration?: { UpstreamDependencyConfigList?: Array<{ TaskId: string }> };
      };
      return {
        key: c.key,
        kind: c.kindLabel ?? "task",
        upstream: (json.TriggerTaskSchedulerConfiguration?.UpstreamDependencyConfigList ?? []).map((u) =>
          taskNameOf(u.TaskId),
        ),
      };
    });
  return renderReviewMarkdown({
    title,
    changes,
    graphs: graphsFromSnapshot(head, (k) => status.get(k) ?? "same", removed),
  });
}

/** The line of `task("name")` / `workflow("name")` in a source text, when the name is written literally. */
export function builderLine(text: string, kind: "workflow" | "task", name: string): number | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(
    `\\b${kind === "task" ? "task" : "(?:workflow|existingWorkflow)"}\\(\\s*["'\`]${escaped}["'\`]`,
  );
  const i = text.split("\n").findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : undefined;
}

export interface GraphOptions {
  readonly cwd: string;
  readonly target?: string;
  readonly workflow?: string;
  readonly format: "mermaid" | "dot" | "svg";
}

/** `wedata graph`: the DAG of each workflow (or one, with the workflows it nests). */
export async function graphCommand(o: GraphOptions): Promise<string> {
  const build = await buildProject({ cwd: o.cwd, ...(o.target && { target: o.target }), typecheck: false });
  let graphs = graphsFromSnapshot(renderSnapshot(build.compiled));
  if (o.workflow) {
    const wanted = new Set([o.workflow]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const g of graphs)
        if (wanted.has(g.workflow))
          for (const n of g.nodes) if (n.runs && !wanted.has(n.runs)) wanted.add(n.runs), (grew = true);
    }
    graphs = graphs.filter((g) => wanted.has(g.workflow));
    if (graphs.length === 0)
      throw new Error(
        `no workflow named "${o.workflow}"; the project has ${graphsFromSnapshot(renderSnapshot(build.compiled))
          .map((g) => g.workflow)
          .join(", ")}`,
      );
  }
  if (o.format === "dot") return redactSecrets(renderDot(graphs));
  const mermaid = renderMermaid(graphs);
  if (o.format === "mermaid") return redactSecrets(mermaid);
  const { renderMermaidSVG } = await import("beautiful-mermaid");
  return redactSecrets(`${renderMermaidSVG(mermaid)}\n`);
}
