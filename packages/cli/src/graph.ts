import { parsePlaceholder, taskNameOf, taskTypeLabel } from "@wedata-kit/compiler";

/** A workflow's DAG for drawing: task nodes, upstream edges, and the workflows Run Workflow tasks nest. */
export type NodeStatus = "added" | "changed" | "replaced" | "removed" | "same";

export interface GraphNode {
  readonly name: string;
  readonly kind: string;
  readonly status: NodeStatus;
  /** For Run Workflow tasks: the workflow it runs. */
  readonly runs?: string;
}

export interface WorkflowGraph {
  readonly workflow: string;
  readonly nodes: readonly GraphNode[];
  /** [upstream, downstream] task names. */
  readonly edges: ReadonlyArray<readonly [string, string]>;
}

/** Graphs of every workflow in a snapshot (payloads with `$ref:` placeholders), statuses by task key. */
export function graphsFromSnapshot(
  files: ReadonlyMap<string, string>,
  status: (key: string) => NodeStatus = () => "same",
  extra: ReadonlyArray<{ key: string; kind: string; upstream: readonly string[] }> = [],
): WorkflowGraph[] {
  const byWorkflow = new Map<string, { nodes: GraphNode[]; edges: Array<[string, string]> }>();
  const get = (w: string) => {
    const known = byWorkflow.get(w);
    if (known) return known;
    const made = { nodes: [] as GraphNode[], edges: [] as Array<[string, string]> };
    byWorkflow.set(w, made);
    return made;
  };
  for (const [path, content] of files) {
    const wm = /^([^/]+)\/workflow\.json$/.exec(path);
    if (wm?.[1]) get(wm[1]);
    const [, workflowName, taskName] = /^([^/]+)\/tasks\/([^/.]+)\.json$/.exec(path) ?? [];
    if (!workflowName || !taskName) continue;
    const json = JSON.parse(content) as {
      TriggerTaskBaseAttribute: { TaskTypeId: string };
      TriggerTaskConfiguration: { TaskExtConfigurationList?: Array<{ ParamKey: string; ParamValue: string }> };
      TriggerTaskSchedulerConfiguration: { UpstreamDependencyConfigList?: Array<{ TaskId: string }> };
    };
    const g = get(workflowName);
    const runs = json.TriggerTaskConfiguration.TaskExtConfigurationList?.find(
      (e) => e.ParamKey === "subWorkflowName",
    )?.ParamValue;
    g.nodes.push({
      name: taskName,
      kind: taskTypeLabel(json.TriggerTaskBaseAttribute.TaskTypeId),
      status: status(`${workflowName}/${taskName}`),
      ...(runs && json.TriggerTaskBaseAttribute.TaskTypeId === "140" && { runs }),
    });
    for (const u of json.TriggerTaskSchedulerConfiguration.UpstreamDependencyConfigList ?? []) {
      const ref = parsePlaceholder(u.TaskId);
      const up = ref?.kind === "task" ? taskNameOf(u.TaskId) : undefined;
      if (up) g.edges.push([up, taskName]);
    }
  }
  for (const x of extra) {
    const [w, name] = [x.key.slice(0, x.key.indexOf("/")), x.key.slice(x.key.indexOf("/") + 1)];
    const g = get(w);
    if (g.nodes.some((n) => n.name === name)) continue;
    g.nodes.push({ name, kind: x.kind, status: "removed" });
    for (const u of x.upstream) g.edges.push([u, name]);
  }
  return [...byWorkflow.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([workflow, g]) => ({
      workflow,
      nodes: g.nodes.sort((a, b) => a.name.localeCompare(b.name)),
      edges: g.edges.filter(([a, b]) => g.nodes.some((n) => n.name === a) && g.nodes.some((n) => n.name === b)).sort(),
    }));
}

/** Keep changed tasks and their direct neighbours, so a large workflow stays readable. */
export function cutToChanges(g: WorkflowGraph, maxNodes: number): { graph: WorkflowGraph; omitted: number } {
  if (g.nodes.length <= maxNodes) return { graph: g, omitted: 0 };
  const changed = new Set(g.nodes.filter((n) => n.status !== "same").map((n) => n.name));
  const keep = new Set(changed);
  for (const [a, b] of g.edges) {
    if (changed.has(a)) keep.add(b);
    if (changed.has(b)) keep.add(a);
  }
  let names = [...keep].sort();
  if (names.length > maxNodes)
    names = [...[...changed].sort(), ...names.filter((n) => !changed.has(n))].slice(0, maxNodes);
  const kept = new Set(names);
  return {
    graph: {
      workflow: g.workflow,
      nodes: g.nodes.filter((n) => kept.has(n.name)),
      edges: g.edges.filter(([a, b]) => kept.has(a) && kept.has(b)),
    },
    omitted: g.nodes.length - kept.size,
  };
}

const STYLE: Record<Exclude<NodeStatus, "same">, string> = {
  added: "fill:#e6ffec,stroke:#1a7f37,color:#1a7f37",
  changed: "fill:#fff8c5,stroke:#9a6700,color:#6b4f00",
  replaced: "fill:#fbefff,stroke:#8250df,color:#6639ba",
  removed: "fill:#ffebe9,stroke:#cf222e,color:#cf222e,stroke-dasharray:4 3",
};

/** Mermaid ids must be plain: index-based ids, names in quoted labels. */
const label = (s: string) => s.replace(/["<>]/g, "'");

/** One Mermaid flowchart for one or more workflows; Run Workflow tasks point at the workflow they nest. */
export function renderMermaid(graphs: readonly WorkflowGraph[]): string {
  const lines = ["flowchart LR"];
  const ids = new Map<string, string>();
  const id = (w: string, n: string) => {
    const key = `${w}/${n}`;
    const known = ids.get(key);
    if (known) return known;
    const made = `n${ids.size}`;
    ids.set(key, made);
    return made;
  };
  const used = new Set<NodeStatus>();
  graphs.forEach((g, gi) => {
    lines.push(`  subgraph w${gi}["${label(g.workflow)}"]`);
    for (const n of g.nodes) {
      lines.push(`    ${id(g.workflow, n.name)}["${label(n.name)}<br/>${label(n.kind)}"]`);
      used.add(n.status);
    }
    lines.push("  end");
    for (const [a, b] of g.edges) lines.push(`  ${id(g.workflow, a)} --> ${id(g.workflow, b)}`);
  });
  graphs.forEach((g) => {
    for (const n of g.nodes) {
      const target = n.runs ? graphs.findIndex((x) => x.workflow === n.runs) : -1;
      if (target >= 0) lines.push(`  ${id(g.workflow, n.name)} -. runs .-> w${target}`);
    }
  });
  for (const s of ["added", "changed", "replaced", "removed"] as const) {
    if (!used.has(s)) continue;
    lines.push(`  classDef ${s} ${STYLE[s]}`);
    const members = graphs.flatMap((g) => g.nodes.filter((n) => n.status === s).map((n) => id(g.workflow, n.name)));
    lines.push(`  class ${members.join(",")} ${s}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Graphviz DOT, one cluster per workflow. */
export function renderDot(graphs: readonly WorkflowGraph[]): string {
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  const lines = ["digraph wedata {", "  rankdir=LR;", "  node [shape=box, style=rounded];"];
  graphs.forEach((g, gi) => {
    lines.push(`  subgraph cluster_${gi} {`, `    label=${q(g.workflow)};`);
    for (const n of g.nodes) lines.push(`    ${q(`${g.workflow}/${n.name}`)} [label=${q(`${n.name}\n${n.kind}`)}];`);
    lines.push("  }");
    for (const [a, b] of g.edges) lines.push(`  ${q(`${g.workflow}/${a}`)} -> ${q(`${g.workflow}/${b}`)};`);
  });
  for (const g of graphs) {
    for (const n of g.nodes) {
      const target = n.runs ? graphs.find((x) => x.workflow === n.runs) : undefined;
      if (target?.nodes[0])
        lines.push(
          `  ${q(`${g.workflow}/${n.name}`)} -> ${q(`${target.workflow}/${target.nodes[0].name}`)} [style=dashed, ` +
            `label="runs", lhead=${q(`cluster_${graphs.indexOf(target)}`)}];`,
        );
    }
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
