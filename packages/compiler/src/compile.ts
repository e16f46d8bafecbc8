import { isUtf8 } from "node:buffer";
import { isAbsolute, relative, resolve, sep } from "node:path";
import {
  TASK_KINDS,
  type SourceLocation,
  type TaskKind,
  type TaskNode,
  type TaskRef,
  type WorkflowNode,
} from "@wedata-kit/dsl";
import { compile as zodCompile, type z } from "zod";
import { canonicalJson, freezeCanonical, sha256 } from "./canonical.js";
import { collectGraph, sameTask, TaskIdentities } from "./collect.js";
import { CompileError, type Diagnostic } from "./diagnostics.js";
import { lowerTask, lowerWorkflow } from "./lower.js";
import type { CompiledProject, CompiledTask, CompiledWorkflow, CompileInput, TaskFolderDecl } from "./model.js";
import { folderChain, folderProblem, nameProblem } from "./names.js";
import { taskKey, workflowPlaceholder } from "./refs.js";
import { quartzCronProblem } from "./quartz.js";
import { CreateTriggerTaskRequestSchema, CreateTriggerWorkflowRequestSchema } from "./schemas.js";
import { lazyLocation, must } from "@wedata-kit/dsl";

/** Largest program accepted in `CodeContent` (the API takes request bodies up to 10 MB). */
export const MAX_CODE_BYTES = 5 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Resolved {
  readonly node: TaskNode;
  readonly kind: TaskKind;
  readonly upstream: string[];
  readonly inputsFrom: string[];
}

/**
 * Check a loaded project and lower it into request payloads. Every problem is collected; if there is
 * any, a `CompileError` carrying all of them is thrown and nothing is returned.
 */
export function compileProject(input: CompileInput): CompiledProject {
  const diagnostics: Diagnostic[] = [];
  const relFiles = new Map<string, string>();
  const relFile = (file: string) => {
    let rel = relFiles.get(file);
    if (rel === undefined) {
      rel = relative(input.root, file).split(sep).join("/");
      relFiles.set(file, rel);
    }
    return rel;
  };
  const relNow = (loc: SourceLocation): SourceLocation => {
    const { file, line, column } = loc;
    return isAbsolute(file) ? { file: relFile(file), line, column } : { file, line, column };
  };
  // Relative on first read: a location is a captured stack until then, and formatting one per task costs a
  // 10,000-task compile a tenth of its time when nothing reads them (a plan shows only what changes).
  const rel = (loc: SourceLocation): SourceLocation => lazyLocation(() => relNow(loc));
  const report = (code: string, message: string, loc: SourceLocation, hint?: string, path?: string) =>
    diagnostics.push({ code, message, loc: rel(loc), ...(hint && { hint }), ...(path && { path }) });

  const graph = collectGraph(input.modules, diagnostics);
  // Builder misuses recorded on the nodes: every one of every file, each at its own line.
  const seenProblems = new Set<string>();
  const nodes = [...graph.workflows, ...graph.workflows.flatMap((w) => w.tasks), ...graph.orphans];
  for (const node of nodes) {
    for (const p of node.problems ?? []) {
      const id = `${p.loc.file}:${p.loc.line}:${p.loc.column}:${p.code}:${p.message}`;
      if (seenProblems.has(id)) continue;
      seenProblems.add(id);
      report(p.code, p.message, p.loc, p.hint);
    }
  }
  for (const t of graph.orphans) {
    report(
      "E_ORPHAN_TASK",
      `task "${t.name}" is exported but belongs to no workflow, so it would never be deployed`,
      t.origin,
      `add it to a workflow: workflow(...).tasks(${t.exportedAs ?? `<the variable holding task("${t.name}")>`})`,
    );
  }
  const workflows = [...graph.workflows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const workflowNames = new Set(workflows.map((w) => w.name));
  // Which workflows hold each task identity: to tell a cross-workflow reference from an unknown one.
  const homes = new TaskIdentities<string>();
  for (const w of workflows) for (const t of w.tasks) homes.add(t.name, t.origin, w.name);

  checkWorkflows(workflows, report);
  checkNestedWorkflows(workflows, workflowNames, report);

  const compiledWorkflows: CompiledWorkflow[] = [];
  const codeNotes: Array<{ task: TaskNode; kind: TaskKind; path: string; bytes: Buffer }> = [];
  const compiledTasks: CompiledTask[] = [];
  const workflowFolders = new Set<string>();
  const taskFolders = new Map<string, TaskFolderDecl>();

  const codePath = codePathsIn(input.root);
  input.readAhead?.(codePaths(workflows, codePath));
  for (const w of workflows) {
    const resolved = resolveTasks(w, homes, report, input.target);
    checkCycles(w, resolved, report);
    if (w.existingId === undefined) {
      const payload = freezeCanonical(lowerWorkflow(w, input.target));
      validate(CreateTriggerWorkflowRequestSchema, payload, w.origin, report);
      for (const f of folderChain(payload.ParentFolderPath)) workflowFolders.add(f);
      compiledWorkflows.push({
        name: w.name,
        payload,
        folder: payload.ParentFolderPath,
        hash: sha256(canonicalJson(payload)),
        loc: rel(w.origin),
        ...(w.renamedFrom !== undefined && { renamedFrom: w.renamedFrom }),
      });
    } else {
      compiledWorkflows.push({
        name: w.name,
        existingId: w.existingId,
        hash: sha256(w.existingId),
        loc: rel(w.origin),
      });
    }
    const workflowId = w.existingId ?? workflowPlaceholder(w.name);
    for (const r of resolved.values()) {
      const t = r.node;
      const code = readCode(t, r.kind, input, codePath, report);
      if (t.code?.from === "file" && code) codeNotes.push({ task: t, kind: r.kind, path: t.code.path, bytes: code });
      const lowered = lowerTask(t, r.kind, {
        target: input.target,
        workflowId,
        workflowName: w.name,
        upstream: r.upstream,
        ...(code && { codeBase64: code.toString("base64") }),
      });
      validate(CreateTriggerTaskRequestSchema, lowered, t.origin, report, t.locs);
      const payload = freezeCanonical(lowered);
      const folderType = TASK_KINDS[r.kind].folderType;
      if (t.folder !== undefined) {
        for (const path of folderChain(t.folder))
          taskFolders.set(`${w.name}|${folderType}|${path}`, { workflow: w.name, path, type: folderType });
      }
      // The optional fields set after (no spread per optional field: this runs once per task).
      const compiled: { -readonly [K in keyof CompiledTask]: CompiledTask[K] } = {
        key: taskKey(w.name, t.name),
        workflow: w.name,
        name: t.name,
        kind: r.kind,
        folderType,
        payload,
        dependsOn: (r.inputsFrom.length === 0 ? r.upstream : [...new Set([...r.upstream, ...r.inputsFrom])]).map((n) =>
          taskKey(w.name, n),
        ),
        needsWorkflows: t.runs && t.runs.name !== w.name ? [w.name, t.runs.name] : [w.name],
        hash: sha256(canonicalJson(payload)),
        loc: rel(t.origin),
      };
      if (code && isText(code)) compiled.code = code.toString("utf8");
      if (t.renamedFrom !== undefined) compiled.renamedFrom = t.renamedFrom;
      compiledTasks.push(compiled);
    }
  }
  if (diagnostics.length > 0)
    throw new CompileError(sortDiagnostics(diagnostics.map((d) => ({ ...d, loc: rel(d.loc) }))));

  // Likely mistakes that still compile: each can make a deploy with --prune delete what it should keep.
  const warnings: Diagnostic[] = [];
  const warn = (code: string, message: string, loc: SourceLocation, hint: string) =>
    warnings.push({ code, message, loc: rel(loc), hint, severity: "warning" });
  for (const file of graph.withoutWorkflows) {
    warn(
      "W_NO_WORKFLOW",
      `${rel({ file, line: 1, column: 1 }).file} exports no workflow, so it deploys nothing`,
      { file, line: 1, column: 1 },
      "export the workflow (export const daily = workflow(...)), or remove the file from pipelines",
    );
  }
  for (const w of workflows)
    if (w.existingId === undefined && w.tasks.length === 0)
      warn(
        "W_EMPTY_WORKFLOW",
        `workflow "${w.name}" has no tasks`,
        w.origin,
        `place its tasks in it: workflow("${w.name}", ...).tasks(...)`,
      );
  // A program of another language than the kind runs, or an empty SQL file, is most likely a mix-up.
  const LANGUAGE: Partial<Record<TaskKind, { ext: readonly string[]; name: string }>> = {
    dlcSql: { ext: [".sql"], name: "SQL" },
    python: { ext: [".py"], name: "Python" },
    dlcPySpark: { ext: [".py"], name: "Python" },
    shell: { ext: [".sh", ".bash"], name: "shell" },
  };
  for (const n of codeNotes) {
    const lang = LANGUAGE[n.kind];
    const ext = /\.[A-Za-z0-9]+$/.exec(n.path)?.[0]?.toLowerCase();
    const known = [".sql", ".py", ".sh", ".bash", ".ipynb", ".json"];
    if (lang && ext && known.includes(ext) && !lang.ext.includes(ext)) {
      warn(
        "W_CODE_LANGUAGE",
        `${TASK_KINDS[n.kind].label} task "${n.task.name}" runs "${n.path}", a ${ext} file; it runs ${lang.name}`,
        n.task.locs.code ?? n.task.origin,
        `check the kind method: a ${ext} file fits ` +
          `${ext === ".py" ? ".python() or .dlcPySpark()" : ext === ".sql" ? ".dlcSql()" : ".shell()"}`,
      );
    }
    if (n.kind === "dlcSql" && n.bytes.toString("utf8").trim() === "") {
      warn(
        "W_EMPTY_CODE",
        `SQL file "${n.path}" of task "${n.task.name}" is empty`,
        n.task.locs.code ?? n.task.origin,
        "write the query, or remove the task",
      );
    }
  }
  const known = new TaskIdentities<true>();
  for (const t of [...workflows.flatMap((w) => w.tasks), ...graph.orphans]) known.add(t.name, t.origin, true);
  for (const c of input.created ?? []) {
    if (known.has(c.name, c.origin)) continue;
    known.add(c.name, c.origin, true);
    warn(
      "W_UNPLACED_TASK",
      `task "${c.name}" is created here but placed in no workflow, so it is never deployed`,
      c.origin,
      `add it to a workflow: workflow(...).tasks(..., <its variable>)`,
    );
  }

  compiledTasks.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    target: input.target,
    workflows: compiledWorkflows,
    tasks: compiledTasks,
    order: dependencyOrder(compiledWorkflows, compiledTasks),
    workflowFolders: [...workflowFolders].sort(),
    taskFolders: [...taskFolders.values()].sort((a, b) =>
      `${a.workflow}|${a.type}|${a.path}` < `${b.workflow}|${b.type}|${b.path}` ? -1 : 1,
    ),
    warnings: sortDiagnostics(warnings),
  };
}

type Report = (code: string, message: string, loc: SourceLocation, hint?: string, path?: string) => void;

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort(
    (a, b) =>
      a.loc.file.localeCompare(b.loc.file) ||
      a.loc.line - b.loc.line ||
      a.loc.column - b.loc.column ||
      a.code.localeCompare(b.code),
  );
}

function checkWorkflows(workflows: readonly WorkflowNode[], report: Report) {
  for (const w of workflows) {
    const problem = nameProblem(w.name);
    if (problem && w.existingId === undefined)
      report("E_WORKFLOW_NAME", `workflow name "${w.name}" ${problem}`, w.origin, "WeData rejects such names");
    // The local name of an existing workflow names snapshot and output folders: it must be a plain name too.
    if (problem && w.existingId !== undefined)
      report(
        "E_WORKFLOW_NAME",
        `local name "${w.name}" of existing workflow ${w.existingId} ${problem}`,
        w.origin,
        'pass a plain name: existingWorkflow(id, "legacy")',
      );
    if (w.existingId !== undefined && !UUID.test(w.existingId)) {
      report(
        "E_WORKFLOW_ID",
        `existing workflow id "${w.existingId}" is not a WorkflowId (a UUID)`,
        w.origin,
        "copy the id from the WeData console or ListTriggerWorkflows",
      );
    }
    if (w.folder !== undefined) {
      const fp = folderProblem(w.folder);
      if (fp)
        report(
          "E_FOLDER_PATH",
          `workflow folder "${w.folder}" ${fp}`,
          w.origin,
          'write an absolute path such as "/etl/daily"',
        );
    }
    for (const s of w.schedules ?? []) {
      if (s.triggerMode !== "TIME_TRIGGER") continue;
      const cronProblem = quartzCronProblem(s.cron);
      if (cronProblem)
        report(
          "E_CRON",
          `schedule cron "${s.cron}" is invalid: ${cronProblem}`,
          w.origin,
          'use Quartz syntax with 7 fields, e.g. "0 0 2 * * ? *" for 02:00 daily',
        );
      const tzProblem = timezoneProblem(s.timezone);
      if (tzProblem)
        report(
          "E_TIMEZONE",
          `schedule timezone "${s.timezone}" ${tzProblem}`,
          w.origin,
          'write "UTC+8", "UTC-5", "UTC+5:30"',
        );
      if (s.start >= s.end)
        report(
          "E_SCHEDULE_RANGE",
          `schedule start ${s.start} is not before end ${s.end}`,
          w.origin,
          "move start before end",
        );
    }
    if (w.existingId === undefined && w.folder === undefined && !w.problems?.length)
      report("E_FOLDER_PATH", `workflow "${w.name}" has no folder`, w.origin, 'add folder: "/etl"');
  }
}

function checkNestedWorkflows(workflows: readonly WorkflowNode[], names: ReadonlySet<string>, report: Report) {
  const runs = new Map<string, string[]>();
  for (const w of workflows) {
    for (const t of w.tasks) {
      if (!t.runs) continue;
      if (!names.has(t.runs.name)) {
        report(
          "E_RUN_WORKFLOW_UNKNOWN",
          `task "${t.name}" runs workflow "${t.runs.name}", which is not part of this project`,
          t.runs.at,
          "export that workflow from a pipeline file listed in wedata.config.ts",
        );
      } else if (t.runs.name === w.name) {
        report(
          "E_RUN_WORKFLOW_SELF",
          `task "${t.name}" runs its own workflow "${w.name}"`,
          t.runs.at,
          "a workflow cannot nest itself",
        );
      } else runs.set(w.name, [...(runs.get(w.name) ?? []), t.runs.name]);
    }
  }
  const cycle = findCycle([...runs.keys()], (n) => runs.get(n) ?? []);
  if (cycle) {
    const w = must(
      workflows.find((x) => x.name === cycle[0]),
      "workflows item",
    );
    report(
      "E_WORKFLOW_CYCLE",
      `workflows run each other in a cycle: ${cycle.join(" -> ")}`,
      w.origin,
      "break the cycle of Run Workflow tasks",
    );
  }
}

function resolveTasks(
  w: WorkflowNode,
  homes: TaskIdentities<string>,
  report: Report,
  target: CompileInput["target"],
): Map<string, Resolved> {
  const byName = new Map<string, TaskNode>();
  for (const t of w.tasks) {
    const seen = byName.get(t.name);
    if (seen === t) continue;
    if (seen) {
      report(
        "E_DUPLICATE_TASK",
        `task "${t.name}" appears twice in workflow "${w.name}" (first at ${seen.origin.file}:${seen.origin.line})`,
        t.origin,
        "task names are unique within a workflow; rename one",
      );
      continue;
    }
    byName.set(t.name, t);
  }
  const resolveRef = (t: TaskNode, ref: TaskRef, what: string): string | undefined => {
    const target = byName.get(ref.name);
    const isString = ref.origin === ref.at;
    if (target && (isString || sameTask(target, ref))) return target.name;
    const elsewhere = isString
      ? []
      : [...new Set(homes.valuesOf(ref.name, ref.origin))].filter((n) => n !== w.name).sort();
    if (elsewhere.length > 0) {
      report(
        "E_CROSS_WORKFLOW",
        `task "${t.name}" in workflow "${w.name}" ${what} "${ref.name}" of workflow "${elsewhere[0]}"; WeData only ` +
          `allows dependencies inside one workflow`,
        ref.at,
        `to wait for another workflow, nest it: task("run_${elsewhere[0]}").runWorkflow(<that workflow>) and depend ` +
          `on that task`,
      );
    } else {
      report(
        "E_UNKNOWN_DEPENDENCY",
        `task "${t.name}" ${what} "${ref.name}", which is not a task of workflow "${w.name}"`,
        ref.at,
        `add it to the workflow: workflow("${w.name}", ...).tasks(..., <the variable holding task("${ref.name}")>)`,
      );
    }
    return undefined;
  };

  const out = new Map<string, Resolved>();
  for (const t of byName.values()) {
    const np = nameProblem(t.name);
    if (np) report("E_TASK_NAME", `task name "${t.name}" ${np}`, t.origin, "WeData rejects such names");
    if (t.renamedFrom !== undefined) {
      const at = t.locs.renamedFrom ?? t.origin;
      const rp = nameProblem(t.renamedFrom);
      if (rp) report("E_TASK_NAME", `renamedFrom name "${t.renamedFrom}" ${rp}`, at, "write the task's earlier name");
      else if (t.renamedFrom === t.name || byName.has(t.renamedFrom))
        report(
          "E_RENAME",
          `task "${t.name}" is renamed from "${t.renamedFrom}", but a task of workflow "${w.name}" still has that name`,
          at,
          "remove .renamedFrom(), or rename the other task",
        );
    }
    if (!t.taskKind) {
      // A kind method that was misused is reported already, at its own line.
      if (t.problems?.length) continue;
      report(
        "E_NO_KIND",
        `task "${t.name}" has no kind`,
        t.origin,
        "call one of .shell(), .python(), .dlcSql(), ... on it",
      );
      continue;
    }
    if (t.folder !== undefined) {
      const fp = folderProblem(t.folder);
      if (fp)
        report(
          "E_FOLDER_PATH",
          `task folder "${t.folder}" ${fp}`,
          t.locs.folder ?? t.origin,
          'write a path inside the workflow such as "/ods"',
        );
    }
    const upstream: string[] = [];
    for (const ref of t.upstream) {
      const name = resolveRef(t, ref, "depends on");
      if (name === undefined || upstream.includes(name)) continue;
      if (name === t.name) {
        report("E_SELF_DEPENDENCY", `task "${t.name}" depends on itself`, ref.at, "remove it from .after()");
        continue;
      }
      if (must(byName.get(name), "byName entry").allowDownstream === false) {
        report(
          "E_DOWNSTREAM_DISALLOWED",
          `task "${t.name}" depends on "${name}", which forbids downstream dependencies`,
          ref.at,
          `remove .allowDownstream(false) from "${name}" or the dependency`,
        );
      }
      upstream.push(name);
    }
    const inputsFrom: string[] = [];
    for (const p of t.inputs ?? []) {
      const at = t.locs[`input:${p.key}`] ?? t.origin;
      if (p.kind === "constant") {
        if (t.taskKind !== "forEach")
          report(
            "E_INPUT_CONSTANT",
            `input "${p.key}" of task "${t.name}" is a constant; only For-each tasks take constant inputs`,
            at,
            "read it from an upstream output: .input(key, { from, param })",
          );
        continue;
      }
      const from = resolveRef(t, p.from, `reads input "${p.key}" from`);
      if (from === undefined) continue;
      if (!upstream.includes(from)) {
        report(
          "E_INPUT_NOT_UPSTREAM",
          `task "${t.name}" reads input "${p.key}" from "${from}", which is not one of its upstream tasks`,
          at,
          `add .after("${from}") to task "${t.name}"`,
        );
      }
      const source = must(byName.get(from), "byName entry");
      if (!(source.outputs ?? []).some(([k]) => k === p.fromParam)) {
        const outputs = (source.outputs ?? []).map(([k]) => k);
        const near = closest(p.fromParam, outputs);
        report(
          "E_INPUT_UNKNOWN_OUTPUT",
          `task "${from}" has no output "${p.fromParam}" for input "${p.key}" of ` +
            `"${t.name}"${outputs.length ? ` (its outputs: ${outputs.join(", ")})` : ""}`,
          at,
          near
            ? `did you mean "${near}"? write { from: ..., param: "${near}" }`
            : `declare it: task("${from}").output("${p.fromParam}", ...)`,
        );
      }
      // WeData names an upstream parameter `<project identifier>.<task>.<param>` (项目标识.任务名.参数名):
      // the
      // identifier is the project's name in the console, not its numeric id, which WeData would not resolve.
      if (p.desc === undefined && target.projectIdentifier === undefined) {
        report(
          "E_PROJECT_IDENTIFIER",
          `input "${p.key}" of task "${t.name}" is described as <project identifier>.${from}.${p.fromParam}, but ` +
            `target "${target.name}" has no projectIdentifier`,
          at,
          `add projectIdentifier (the project's identifier in the WeData console, e.g. "acme_dw") to target ` +
            `"${target.name}" in wedata.config.ts, or give the input a desc`,
        );
      }
      inputsFrom.push(from);
    }
    out.set(t.name, { node: t, kind: t.taskKind, upstream, inputsFrom });
  }
  return out;
}

function checkCycles(w: WorkflowNode, resolved: ReadonlyMap<string, Resolved>, report: Report) {
  const cycle = findCycle([...resolved.keys()].sort(), (n) => resolved.get(n)?.upstream ?? []);
  if (cycle) {
    const at = must(resolved.get(cycle[0] ?? ""), "the cycle's first task").node;
    report(
      "E_CYCLE",
      `tasks of workflow "${w.name}" depend on each other in a cycle: ${[...cycle].reverse().join(" -> ")}`,
      at.locs[Object.keys(at.locs).find((k) => k.startsWith("after:")) ?? "name"] ?? at.origin,
      "a workflow is a DAG; remove one of these .after() edges",
    );
  }
}

/** The candidate closest to `word` by edit distance, when it is close enough to be a typo of it. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next.push(
          Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)),
        );
      row = next;
    }
    return row[b.length] ?? 0;
  };
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}

/** Why a `ScheduleTimeZone` is not one WeData can use, or undefined: `UTC±H[:MM]`, from UTC-12 to UTC+14. */
export function timezoneProblem(tz: string): string | undefined {
  const m = /^UTC([+-])(\d{1,2})(?::(\d{2}))?$/.exec(tz);
  if (!m) return 'is not like "UTC+8"';
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  const offset = (m[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
  if (![0, 30, 45].includes(minutes)) return "has minutes other than :00, :30 or :45, which no time zone uses";
  if (offset < -12 * 60 || offset > 14 * 60) return "is outside UTC-12 to UTC+14, the offsets time zones have";
  return undefined;
}

/** A cycle in a directed graph as a list of nodes ending where it starts, or undefined. */
export function findCycle(nodes: readonly string[], next: (n: string) => readonly string[]): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const dfs = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const m of next(n)) {
      if (state.get(m) === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = dfs(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of nodes)
    if (!state.has(n)) {
      const c = dfs(n);
      if (c) return c;
    }
  return undefined;
}

/**
 * A task's code path made absolute against the root, or undefined when it lies outside the root: worked out
 * once per path (the read-ahead list and the read both need it).
 */
export function codePathsIn(root: string): (path: string) => string | undefined {
  const known = new Map<string, string | undefined>();
  // A path of plain names below a normalized root needs no resolving: it is the root, a slash, and itself.
  const below =
    sep === "/" && isAbsolute(root) && resolve(root) === root ? (root === "/" ? "/" : `${root}/`) : undefined;
  return (path) => {
    if (known.has(path)) return known.get(path);
    let inside: string | undefined;
    if (below !== undefined && PLAIN_RELATIVE.test(path)) inside = below + path;
    else {
      const abs = resolve(root, path);
      const r = relative(root, abs);
      inside = r !== "" && !climbsOut(r) ? abs : undefined;
    }
    known.set(path, inside);
    return inside;
  };
}

/** A relative path of plain names, such as "jobs/load.sh": no empty, "." or ".." part and no backslash. */
const PLAIN_RELATIVE = /^(?:(?!\.{1,2}\/)[^/\\]+\/)*(?!\.{1,2}$)[^/\\]+$/;

/** Whether a path relative to a folder (as `relative` gives it) leaves that folder. */
function climbsOut(r: string): boolean {
  return r === ".." || r.startsWith(`..${sep}`) || isAbsolute(r);
}

/** The code files the compile reads, in its order: each task's file inside the root, once per workflow. */
function codePaths(workflows: readonly WorkflowNode[], codePath: (path: string) => string | undefined): string[] {
  const paths: string[] = [];
  for (const w of workflows) {
    const seen = new Set<TaskNode>();
    for (const t of w.tasks) {
      if (seen.has(t) || t.code?.from !== "file") continue;
      seen.add(t);
      const abs = codePath(t.code.path);
      if (abs !== undefined) paths.push(abs);
    }
  }
  return paths;
}

/** The root's real path, asked of `input.realpath` once per compile (every code file is checked against it). */
const realRoots = new WeakMap<CompileInput, string>();
function realRootOf(input: CompileInput): string {
  let real = realRoots.get(input);
  if (real === undefined) {
    real = must(input.realpath, "input.realpath")(input.root);
    realRoots.set(input, real);
  }
  return real;
}

function readCode(
  t: TaskNode,
  kind: TaskKind,
  input: CompileInput,
  codePath: (path: string) => string | undefined,
  report: Report,
): Buffer | undefined {
  const at = t.locs.code ?? t.locs.kind ?? t.origin;
  if (!t.code) {
    if (TASK_KINDS[kind].code === "required")
      report(
        "E_CODE_REQUIRED",
        `${TASK_KINDS[kind].label} task "${t.name}" has no code`,
        at,
        "pass a file path or { inline } to the kind method",
      );
    return undefined;
  }
  if (t.code.from === "inline") {
    // The same rule as for a file: a NUL byte is not script text, wherever the script comes from.
    if (t.code.text.includes("\0")) {
      report(
        "E_CODE_BINARY",
        `inline code of task "${t.name}" contains a NUL byte`,
        at,
        "remove the NUL character; inline code must be text",
      );
      return undefined;
    }
    return Buffer.from(t.code.text, "utf8");
  }
  const abs = codePath(t.code.path);
  if (abs === undefined) {
    report(
      "E_CODE_OUTSIDE_ROOT",
      `code file "${t.code.path}" of task "${t.name}" is outside the project root`,
      at,
      "keep code files inside the project folder, so every machine compiles the same bytes",
    );
    return undefined;
  }
  let data: Buffer;
  try {
    if (input.realpath) {
      const realRoot = realRootOf(input);
      const real = input.realpath(abs);
      // Real paths are normalized: one that starts with the root and a separator is inside it.
      if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep) && climbsOut(relative(realRoot, real))) {
        report(
          "E_CODE_OUTSIDE_ROOT",
          `code file "${t.code.path}" of task "${t.name}" links outside the project root`,
          at,
          "copy the file into the project instead of linking it",
        );
        return undefined;
      }
    }
    data = input.readFile(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      // A "path" with spaces or shell operators is a command meant as inline code.
      const looksInline = /\s|&&|\|\||[|;$`]/.test(t.code.path);
      report(
        "E_CODE_MISSING",
        `code file "${t.code.path}" of task "${t.name}" does not exist`,
        at,
        looksInline
          ? `it looks like a command, not a file: write { inline: ${JSON.stringify(t.code.path)} }`
          : "create it, or fix the path (relative to the project root)",
      );
    } else if (code === "E_FILE_TOO_LARGE")
      report(
        "E_CODE_TOO_LARGE",
        `code file "${t.code.path}" of task "${t.name}" is over the limit of ${MAX_CODE_BYTES} bytes`,
        at,
        "keep large programs on COS and reference them",
      );
    else if (code === "E_NOT_REGULAR_FILE")
      report(
        "E_CODE_UNREADABLE",
        `code file "${t.code.path}" of task "${t.name}" ${(e as Error).message.replace(/^.*? is /, "is ")}`,
        at,
        "point at a regular file; FIFOs, devices and folders are not programs",
      );
    else
      report(
        "E_CODE_UNREADABLE",
        `code file "${t.code.path}" of task "${t.name}" cannot be read (${code ?? (e as Error).message})`,
        at,
        "check it is a readable file, not a folder",
      );
    return undefined;
  }
  if (data.length > MAX_CODE_BYTES) {
    report(
      "E_CODE_TOO_LARGE",
      `code file "${t.code.path}" is ${data.length} bytes; the limit is ${MAX_CODE_BYTES}`,
      at,
      "keep large programs on COS and reference them",
    );
    return undefined;
  }
  if (!t.code.binary && !isText(data)) {
    report(
      "E_CODE_BINARY",
      `code file "${t.code.path}" of task "${t.name}" is not UTF-8 text`,
      at,
      `save it as UTF-8; if WeData must get these exact bytes (e.g. a GBK script), write { file: ` +
        `${JSON.stringify(t.code.path)}, binary: true }`,
    );
    return undefined;
  }
  return data;
}

/** UTF-8 without NUL bytes: what a script file is expected to be (checked natively, without decoding it). */
export function isText(data: Buffer): boolean {
  return !data.includes(0) && isUtf8(data);
}

/**
 * Each schema compiled once by zod (`z.compile`: generated code instead of the schema walk, about half the
 * time per payload); its `validate` only answers whether the payload is valid. The issues of an invalid one
 * come from the schema itself, as before.
 */
const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();
export function compiledSchema(schema: z.ZodType): z.ZodType {
  let fast = compiledSchemas.get(schema);
  if (fast === undefined) {
    fast = zodCompile(schema);
    compiledSchemas.set(schema, fast);
  }
  return fast;
}

function validate(
  schema: z.ZodType,
  payload: unknown,
  origin: SourceLocation,
  report: Report,
  locs?: Readonly<Record<string, SourceLocation>>,
) {
  if (compiledSchema(schema).validate(payload)) return;
  const result = schema.safeParse(payload);
  if (result.success) return;
  for (const issue of result.error.issues) {
    const path = issue.path.join(".");
    report(
      "E_PAYLOAD",
      `invalid ${path}: ${issue.message}`,
      (locs && settingLocFor(path, locs)) ?? origin,
      "the value is outside what the WeData API accepts",
      path,
    );
  }
}

const FIELD_SETTING: Record<string, string> = {
  RunPriorityType: "priority",
  RetryWaitMinute: "retry",
  MaxRetryNumber: "retry",
  ExecutionTTLMinute: "timeout",
  WaitExecutionTotalTTLMinute: "waitTimeout",
  AllowRedoType: "redo",
  TaskName: "name",
  TaskFolderPath: "folder",
};

function settingLocFor(path: string, locs: Readonly<Record<string, SourceLocation>>): SourceLocation | undefined {
  const field = path.split(".").find((p) => FIELD_SETTING[p]);
  return field ? locs[FIELD_SETTING[field]!] : undefined;
}

/** Resource keys in dependency order; ties broken by key so the order never depends on declaration order. */
function dependencyOrder(workflows: readonly CompiledWorkflow[], tasks: readonly CompiledTask[]): string[] {
  // Numbered once: the keys are built and hashed once each, the graph is walked by number.
  const keys: string[] = [];
  const byKey = new Map<string, number>();
  const number = (key: string) => {
    byKey.set(key, keys.length);
    keys.push(key);
  };
  for (const w of workflows) number(`workflow:${w.name}`);
  for (const t of tasks) number(`task:${t.key}`);
  // What each resource waits on, each once; a dependency the project does not hold is never met.
  const waitingOn = new Int32Array(keys.length);
  const dependents: number[][] = keys.map(() => []);
  tasks.forEach((t, i) => {
    const me = workflows.length + i;
    const needs = new Set<number>();
    let unknown = 0;
    for (const n of t.needsWorkflows) {
      const d = byKey.get(`workflow:${n}`);
      if (d === undefined) unknown = 1;
      else needs.add(d);
    }
    for (const k of t.dependsOn) {
      const d = byKey.get(`task:${k}`);
      if (d === undefined) unknown = 1;
      else needs.add(d);
    }
    waitingOn[me] = needs.size + unknown;
    for (const d of needs) dependents[d]!.push(me);
  });
  // Level by level, each level sorted: a resource comes once everything it needs came in an earlier level.
  const byName = (a: number, b: number) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0);
  const order: string[] = [];
  let ready = keys.map((_, i) => i).filter((i) => waitingOn[i] === 0);
  while (ready.length > 0) {
    ready.sort(byName);
    const next: number[] = [];
    for (const i of ready) {
      order.push(keys[i]!);
      for (const d of dependents[i]!) if (--waitingOn[d]! === 0) next.push(d);
    }
    ready = next;
  }
  return order;
}
