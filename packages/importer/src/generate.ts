import { Project, QuoteKind, IndentationText, VariableDeclarationKind, type CodeBlockWriter } from "ts-morph";
import { codeFileName, findCycle, folderProblem, isSecretKey, isText, nameProblem } from "@wedata-kit/compiler";
import { folderOfPath, OWNER_EXT_KEY, SCHEDULER_DEFAULTS, workflowOwner } from "@wedata-kit/deployer";
import {
  decodeExtOptions,
  extOptionsOf,
  DLC_SQL_ENGINE_KINDS,
  PRIORITIES,
  REDO_POLICIES,
  TASK_KINDS,
  TRIGGER_POLICIES,
  type DlcSqlEngineKind,
  type TaskKind,
} from "@wedata-kit/dsl";
import { fileBase, variableName } from "./names.js";
import { must } from "@wedata-kit/dsl";

type Json = Record<string, any>;

/**
 * Extension keys WeData adds to tasks itself (the vendor's published GetTriggerTask and GetTask responses
 * show them; `wedata doctor` lists what a given account adds). Import leaves them out so the code says
 * only what a person chose. Plans do not depend on this list: they compare only keys the code sets or
 * wedata-kit wrote, so a key missing here is merely written into the imported code.
 */
const SERVER_ADDED_EXT = new Set([
  "bucket",
  "region",
  "tenantId",
  "specLabelConfItems",
  "calendar_open",
  "calendar_id",
  "calendar_name",
  "waitExecutionTotalTTL",
  "extraInfo",
  "ftp.file.name",
  "sql.file.name",
  "python_type",
  "python_sub_version",
  "data_cluster",
  "executionTTLStrategy",
  "waitExecutionTotalTTLStrategy",
  "notebook.workspace.mapping",
  "notebook.engineClusters",
  "notebook.workspaceEnvs",
  "notebook.script.scriptmd5",
  "notebook.task.name",
  "notebook.scriptEnvs",
  "notebook.scriptId",
  "notebook.source",
  "isGitTask",
  "git.repo.filepath",
  "git.config.id",
]);
type KV = { ParamKey?: string | null; ParamValue?: string | null };

/** A remote workflow as read for the import. */
export interface SourceWorkflow {
  readonly id: string;
  readonly name: string;
  readonly detail: Json;
}

/** A remote task as read for the import (GetTriggerTask `Data`). */
export interface SourceTask {
  readonly id: string;
  readonly workflowId: string;
  readonly task: Json;
}

export interface GenerateInput {
  /** Every workflow of the project (Run Workflow targets outside the selection become `existingWorkflow`). */
  readonly workflows: readonly SourceWorkflow[];
  /** The names to import. */
  readonly selected: readonly string[];
  /** The tasks of the selected workflows. */
  readonly tasks: readonly SourceTask[];
  /** The target's projectIdentifier: the prefix of default input-parameter descriptions (unset: none is default). */
  readonly projectIdent?: string;
  /** Extension keys `wedata doctor` saw the server add on this target, left out of the code too. */
  readonly serverKeys?: readonly string[];
  /** Output folder, relative to the project root, `/`-separated. */
  readonly outDir: string;
}

/** Something of the remote the generated code does not reproduce. */
export interface LossyField {
  readonly workflow: string;
  readonly task?: string;
  readonly message: string;
}

export interface GeneratedImport {
  /** Relative path -> content: the TS files (strings) and the programs (exact bytes). */
  readonly files: ReadonlyMap<string, string | Buffer>;
  /** The generated TS files, in a stable order. */
  readonly pipelineFiles: readonly string[];
  readonly lossy: readonly LossyField[];
  /** Remote tasks left out of the code (`workflow/task`), e.g. names the DSL does not accept. */
  readonly skipped: readonly string[];
  /** Tasks of kinds wedata-kit does not model: left out of the code, and left alone by deploys. */
  readonly notImportable: ReadonlyArray<{ readonly key: string; readonly typeId: number }>;
  /** Values of secret-named keys: the code reads them with `env(name)` instead of holding them. */
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly value: string; readonly where: string[] }>;
}

/** Environment variables for secret values: one per distinct value, named after its key. */
class SecretVars {
  private readonly byValue = new Map<string, { name: string; value: string; where: string[] }>();
  private readonly names = new Set<string>();
  /** `env("NAME")` for a value under a secret-named key, else the literal. */
  text(key: string, value: string, where: string): string {
    if (!isSecretKey(key) || value === "") return lit(value);
    let e = this.byValue.get(value);
    if (!e) {
      const base = `WEDATA_${key
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, "_")
        .replace(/^_|_$/g, "")}`;
      let name = base;
      for (let i = 2; this.names.has(name); i++) name = `${base}_${i}`;
      this.names.add(name);
      e = { name, value, where: [] };
      this.byValue.set(value, e);
    }
    e.where.push(where);
    return `env(${lit(e.name)})`;
  }
  list() {
    return [...this.byValue.values()];
  }
}

const KIND_OF_TYPE = new Map<number, TaskKind>(
  (Object.keys(TASK_KINDS) as TaskKind[]).map((k) => [TASK_KINDS[k].typeId, k]),
);
const PRIORITY_OF = new Map<number, string>(Object.entries(PRIORITIES).map(([k, v]) => [v, k]));
const DLC_KIND_KEYS = [...new Set(Object.values(DLC_SQL_ENGINE_KINDS).flatMap((o) => Object.keys(o)))];
const EXISTING_FILE = "_existing";

const lit = (v: unknown) => JSON.stringify(v);
const propKey = (k: string) => (/^[\p{ID_Start}$_][\p{ID_Continue}$]*$/u.test(k) ? k : lit(k));
/** An object literal, on one line when short. */
function objectText(entries: ReadonlyArray<readonly [string, string]>, indent = "  "): string {
  if (entries.length === 0) return "{}";
  const parts = entries.map(([k, v]) => `${propKey(k)}: ${v}`);
  const one = `{ ${parts.join(", ")} }`;
  return one.length <= 90 && !one.includes("\n")
    ? one
    : `{\n${parts.map((p) => `${indent}${p},`).join("\n")}\n${indent.slice(2)}}`;
}
const recordText = (kvs: ReadonlyArray<KV>, value: (k: string, v: string) => string = (_k, v) => lit(v)) =>
  objectText(kvs.map((p) => [p.ParamKey ?? "", value(p.ParamKey ?? "", p.ParamValue ?? "")] as const));
/** Whether a list of key/values survives the round trip through a JS object (no duplicate or reordered keys). */
const recordSafe = (kvs: ReadonlyArray<KV>) => {
  const keys = kvs.map((p) => p.ParamKey ?? "");
  return (
    new Set(keys).size === keys.length &&
    Object.keys(Object.fromEntries(keys.map((k) => [k, 1]))).join("\u0000") === keys.join("\u0000")
  );
};
/** `k=v` lines as pairs, when writing them back as a record gives the same text. */
const inRange = (v: unknown, min: number, max: number, minusOne = false) =>
  typeof v === "number" && Number.isInteger(v) && ((v >= min && v <= max) || (minusOne && v === -1));

interface TaskCode {
  readonly builder: string;
  readonly calls: string[];
}

/**
 * Turn remote workflows and tasks into DSL code: one TS file per workflow under `outDir`, the programs
 * next to it (`<outDir>/<workflow>/<task>.<ext>`, exact bytes), builder chains with the typed methods,
 * documented defaults left out. Pure: the caller reads and writes.
 */
export function generateImport(input: GenerateInput): GeneratedImport {
  const files = new Map<string, string | Buffer>();
  const lossy: LossyField[] = [];
  const skipped: string[] = [];
  const notImportable: Array<{ key: string; typeId: number }> = [];
  const secrets = new SecretVars();
  const byName = new Map(input.workflows.map((w) => [w.name, w]));
  const byId = new Map(input.workflows.map((w) => [w.id, w]));
  // A workflow whose name wedata-kit cannot manage is left out (a Run Workflow task may still name it as an existing
  // workflow).
  for (const n of input.selected)
    if (byName.has(n) && nameProblem(n))
      lossy.push({
        workflow: n,
        message: `the workflow name ${nameProblem(n)}; wedata-kit cannot manage it, so it is left out`,
      });
  const selected = input.selected.filter((n) => byName.has(n) && !nameProblem(n));

  // Workflow variables are unique across the import, so files can import each other without aliases.
  const workflowVars = new Map<string, string>();
  const fileTaken = new Set<string>([EXISTING_FILE.toLowerCase()]);
  const fileOf = new Map<string, string>();
  const globalTaken = new Set<string>();
  for (const n of selected) {
    workflowVars.set(n, variableName(n, globalTaken));
    fileOf.set(n, fileBase(n, fileTaken));
  }
  const externals = new Map<string, { id: string; variable: string }>();
  const pipelineFiles: string[] = [];
  const dir = input.outDir.replace(/\/+$/, "");

  for (const wname of selected) {
    const w = must(byName.get(wname), "byName entry");
    const d = w.detail;
    const base = must(fileOf.get(wname), "fileOf entry");
    const note = (message: string, task?: string) =>
      lossy.push({ workflow: wname, ...(task !== undefined && { task }), message });
    const tasks = input.tasks.filter((t) => t.workflowId === w.id);
    const kept: SourceTask[] = [];
    for (const t of tasks) {
      const b = t.task.TriggerTaskBaseAttribute as Json;
      const tn = String(b.TaskName ?? "");
      // A kind wedata-kit does not model (real projects hold type ids beyond the API's fourteen): listed,
      // not lossy, since deploys leave it alone as it is.
      if (!KIND_OF_TYPE.has(Number(b.TaskTypeId))) {
        notImportable.push({ key: `${wname}/${tn}`, typeId: Number(b.TaskTypeId) });
        skipped.push(`${wname}/${tn}`);
        continue;
      }
      const problem = nameProblem(tn) ? `the task name ${nameProblem(tn)}` : undefined;
      if (problem) {
        note(`${problem}; the task is left out of the code`, tn);
        skipped.push(`${wname}/${tn}`);
      } else kept.push(t);
    }
    const nameOfId = new Map(kept.map((t) => [t.id, String(t.task.TriggerTaskBaseAttribute.TaskName)]));
    const upstreamIds = (t: SourceTask) =>
      (
        (t.task.TriggerTaskSchedulerConfiguration?.UpstreamDependencyConfigList ?? []) as Array<{ TaskId?: string }>
      ).map((u) => String(u.TaskId ?? ""));
    const inputIds = (t: SourceTask) =>
      ((t.task.TriggerTaskSchedulerConfiguration?.ParamTaskInList ?? []) as Json[])
        .filter((p) => p.Type !== "CONSTANT")
        .map((p) => String(p.FromTaskId ?? ""));
    const refsOf = (t: SourceTask) =>
      [...upstreamIds(t), ...inputIds(t)].flatMap((id) =>
        nameOfId.has(id) ? [must(nameOfId.get(id), "nameOfId entry")] : [],
      );
    const taskByName = new Map(kept.map((t) => [String(t.task.TriggerTaskBaseAttribute.TaskName), t]));
    const sortedNames = [...taskByName.keys()].sort();
    const cycle = findCycle(sortedNames, (n) => refsOf(must(taskByName.get(n), "taskByName entry")));
    if (cycle)
      note(
        `its tasks depend on each other in a cycle (${cycle.join(" -> ")}); the compiler will refuse it until the ` +
          `cycle is broken`,
      );
    // Declare tasks after the tasks they reference (a cycle falls back to names as strings).
    const ordered: string[] = [];
    const placed = new Set<string>();
    while (ordered.length < sortedNames.length) {
      const before = ordered.length;
      for (const n of sortedNames)
        if (!placed.has(n) && refsOf(must(taskByName.get(n), "taskByName entry")).every((u) => placed.has(u)))
          ordered.push(n), placed.add(n);
      if (ordered.length === before) for (const n of sortedNames) if (!placed.has(n)) ordered.push(n), placed.add(n);
    }

    const taken = new Set<string>([...globalTaken]);
    const taskVars = new Map<string, string>();
    const declared = new Set<string>();
    const scriptTaken = new Set<string>();
    const imports = new Map<string, Set<string>>();
    const addImport = (spec: string, name: string) => {
      imports.set(spec, (imports.get(spec) ?? new Set()).add(name));
      return name;
    };
    const ref = (name: string) => (declared.has(name) ? must(taskVars.get(name), "taskVars entry") : lit(name));
    const statements: Array<{ name: string; code: TaskCode; docs?: string }> = [];
    for (const tn of ordered) {
      const t = must(taskByName.get(tn), "taskByName entry");
      const variable = variableName(tn, taken);
      taskVars.set(tn, variable);
      const code = taskCode(t, {
        workflow: wname,
        note: (m) => note(m, tn),
        ref,
        nameOfId,
        ...(input.projectIdent !== undefined && { projectIdent: input.projectIdent }),
        serverKeys: new Set([...SERVER_ADDED_EXT, ...(input.serverKeys ?? [])]),
        secret: (k, v) => secrets.text(k, v, `${wname}/${tn} ${k}`),
        writeCode: (bytes, kind) => {
          const ext = codeFileName("x", kind).slice(2);
          const path = `${dir}/${base}/${fileBase(tn, scriptTaken)}.${ext}`;
          files.set(path, bytes);
          return isText(bytes) ? lit(path) : `{ file: ${lit(path)}, binary: true }`;
        },
        runTarget: (id, name) => {
          const target = (name && byName.get(name)) ?? byId.get(id);
          if (!target) return undefined;
          if (workflowVars.has(target.name)) {
            if (target.name !== wname)
              addImport(`./${fileOf.get(target.name)}.js`, must(workflowVars.get(target.name), "workflowVars entry"));
            return workflowVars.get(target.name);
          }
          if (!externals.has(target.name))
            externals.set(target.name, { id: target.id, variable: variableName(target.name, globalTaken) });
          return addImport(`./${EXISTING_FILE}.js`, must(externals.get(target.name), "externals entry").variable);
        },
      });
      declared.add(tn);
      statements.push({ name: variable, code });
    }
    const usedBefore = secrets.list().length;
    const options = workflowOptions(
      d,
      wname,
      (m) => note(m),
      (k, v) => secrets.text(k, v, `${wname} ${k}`),
    );
    const fileUsesEnv =
      statements.some((st) => st.code.calls.some((c) => c.includes("env("))) ||
      secrets.list().length > usedBefore ||
      options.some(([, v]) => v.includes("env("));
    const taskList = ordered.map((n) => must(taskVars.get(n), "taskVars entry"));
    // A task's dependency on a name that the remote does not know, or on a task left out, is reported.
    for (const t of kept) {
      for (const id of upstreamIds(t))
        if (!nameOfId.has(id))
          note(
            `an upstream dependency on task ${id}, which is not a task of this workflow that can be imported, is ` +
              `dropped`,
            String(t.task.TriggerTaskBaseAttribute.TaskName),
          );
    }

    const source = renderWorkflowFile({
      header: [
        `Workflow "${wname}", imported from WeData (WorkflowId ${w.id}).`,
        "This file is now its source of truth: edit it, then run `wedata plan`.",
      ],
      dslImports: [
        ...["task", "workflow"].filter((x) => x === "workflow" || statements.length > 0),
        ...(fileUsesEnv ? ["env"] : []),
      ],
      imports,
      statements,
      workflow: {
        variable: must(workflowVars.get(wname), "workflowVars entry"),
        name: wname,
        options,
        tasks: taskList,
      },
    });
    const file = `${dir}/${base}.ts`;
    files.set(file, source);
    pipelineFiles.push(file);
  }

  if (externals.size > 0) {
    const project = tsProject();
    const sf = project.createSourceFile("existing.ts", "");
    sf.addImportDeclaration({ namedImports: ["existingWorkflow"], moduleSpecifier: "@wedata-kit/dsl" });
    for (const [name, e] of [...externals].sort(([a], [b]) => (a < b ? -1 : 1))) {
      sf.addVariableStatement({
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        docs: [`Run by imported Run Workflow tasks; not managed by this project (not imported).`],
        declarations: [{ name: e.variable, initializer: `existingWorkflow(${lit(e.id)}, ${lit(name)})` }],
      });
    }
    const file = `${dir}/${EXISTING_FILE}.ts`;
    files.set(file, formatted(sf));
    pipelineFiles.push(file);
  }
  return { files, pipelineFiles: pipelineFiles.sort(), lossy, skipped, notImportable, secrets: secrets.list() };
}

interface TaskContext {
  readonly workflow: string;
  note(message: string): void;
  /** A declared task's variable, or its name as a string literal. */
  ref(name: string): string;
  readonly nameOfId: ReadonlyMap<string, string>;
  readonly projectIdent?: string;
  /** Extension keys the server adds (the vendor's examples, and what doctor found on this target). */
  readonly serverKeys: ReadonlySet<string>;
  /** Store a program next to the workflow file; returns the code argument. */
  writeCode(bytes: Buffer, kind: TaskKind): string;
  /** A value's code: `env(...)` under a secret-named key, else the literal. */
  secret(key: string, value: string): string;
  /** The variable of a Run Workflow target (importing it), if it exists. */
  runTarget(id: string, name: string | undefined): string | undefined;
}

function taskCode(t: SourceTask, ctx: TaskContext): TaskCode {
  const b = t.task.TriggerTaskBaseAttribute as Json;
  const c = (t.task.TriggerTaskConfiguration ?? {}) as Json;
  const s = (t.task.TriggerTaskSchedulerConfiguration ?? {}) as Json;
  const tn = String(b.TaskName);
  const kind = must(KIND_OF_TYPE.get(Number(b.TaskTypeId)), "KIND_OF_TYPE entry");
  const calls: string[] = [];
  // Every extension key, the system ones too: typed options read some of them (e.g. ftp.file.name).
  const ext = new Map<string, string>(
    ((c.TaskExtConfigurationList ?? []) as KV[])
      .filter((e) => e.ParamKey && e.ParamKey !== OWNER_EXT_KEY)
      .map((e) => [e.ParamKey!, e.ParamValue ?? ""]),
  );
  const opt = (entries: Array<[string, string | undefined]>) =>
    objectText(
      entries.filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => [k, v] as const),
      "    ",
    );
  const bytes =
    typeof c.CodeContent === "string" && c.CodeContent !== "" ? Buffer.from(c.CodeContent, "base64") : undefined;
  let codeArg: string | undefined;
  if (bytes && bytes.length > 0) {
    if (TASK_KINDS[kind].code === "none")
      ctx.note(
        `it has CodeContent, which a ${TASK_KINDS[kind].label} task cannot carry in wedata-kit; the program is dropped`,
      );
    else codeArg = ctx.writeCode(bytes, kind);
  }
  const requiredCode = () => codeArg ?? '{ inline: "" }';
  // The options this kind keeps in extension keys, read back with the table the builders write with.
  const options = (order: readonly string[] = []): Array<[string, string | undefined]> => {
    const { values, missing } = decodeExtOptions(kind, ext);
    for (const key of missing) {
      if (kind === "shellForm") ctx.note(`its Shell Form settings lack ${key}; the code names an empty one`);
      else if (key === "dataEngine" || key === "computeResource")
        ctx.note(`it has no DLC engine (${key}); the code names an empty one`);
      else ctx.note(`it has no ${key}; the code names an empty one`);
    }
    const all = extOptionsOf(kind);
    const names = [...order, ...all.map((o) => o.option).filter((o) => !order.includes(o))];
    return names.map((name): [string, string | undefined] => {
      const spec = must(
        all.find((o) => o.option === name),
        "all item",
      );
      const v = values.get(name);
      if (v === undefined) return [name, spec.required ? lit("") : undefined];
      if (typeof v === "string") return [name, lit(v)];
      if (spec.codec === "list") return [name, `[${(v as readonly string[]).map(lit).join(", ")}]`];
      return [
        name,
        objectText(
          (v as ReadonlyArray<readonly [string, string]>).map(([k, x]) => [k, lit(x)] as const),
          "      ",
        ),
      ];
    });
  };

  switch (kind) {
    case "python": {
      const version = options().find(([n]) => n === "version")?.[1];
      calls.push(`.python(${requiredCode()}${version ? `, { version: ${version} }` : ""})`);
      break;
    }
    case "dlcSql": {
      const eng = options(["engine"]);
      // The engine kind whose implied keys match; differing values are kept exact with .ext().
      const kinds = Object.keys(DLC_SQL_ENGINE_KINDS) as DlcSqlEngineKind[];
      const implied = (k: DlcSqlEngineKind) => DLC_SQL_ENGINE_KINDS[k] as Record<string, string>;
      const exact = kinds.find((k) => DLC_KIND_KEYS.every((key) => ext.get(key) === implied(k)[key]));
      const engineKind =
        exact ??
        kinds.find((k) => (implied(k).IsInherit === undefined) === !ext.has("IsInherit")) ??
        "supersql-sparksql";
      for (const key of DLC_KIND_KEYS) {
        if (implied(engineKind)[key] === undefined) continue;
        if (!ext.has(key)) ctx.note(`its DLC SQL settings lack ${key}, which every engine kind sets`);
        if (ext.get(key) === implied(engineKind)[key]) ext.delete(key);
      }
      let conf: string | undefined;
      const raw = ext.get("runConfParams");
      if (raw !== undefined) {
        try {
          const parsed = JSON.parse(raw) as Array<{ name: string; value: string }>;
          const rec = parsed.map((p) => [p.name, p.value] as [string, string]);
          if (
            JSON.stringify(rec.map(([name, value]) => ({ name, value }))) === raw &&
            recordSafe(rec.map(([k]) => ({ ParamKey: k }))) &&
            rec.every(([k, v]) => typeof k === "string" && typeof v === "string")
          ) {
            conf = objectText(
              rec.map(([k, v]) => [k, lit(v)] as const),
              "      ",
            );
            ext.delete("runConfParams");
          }
        } catch {
          // Not the JSON the typed option writes: kept with .ext().
        }
      }
      calls.push(
        `.dlcSql(${requiredCode()}, ` +
          `${opt([
            ...eng,
            ["engineKind", engineKind === "supersql-sparksql" ? undefined : lit(engineKind)],
            ["conf", conf],
          ])})`,
      );
      break;
    }
    case "dlcSpark":
      calls.push(`.dlcSpark(${opt(options(["engine"]))})`);
      break;
    case "dlcPySpark":
      calls.push(`.dlcPySpark(${requiredCode()}, ${opt(options(["engine"]))})`);
      break;
    case "dlcSparkStreaming":
      calls.push(`.dlcSparkStreaming(${codeArg ?? "undefined"}, ${opt(options(["engine"]))})`);
      break;
    case "shellForm":
      calls.push(`.shellForm(${opt(options())})`);
      break;
    case "offlineSync":
      calls.push(`.offlineSync(${requiredCode()})`);
      break;
    case "runWorkflow": {
      const id = ext.get("subWorkflowId") ?? "";
      const name = ext.get("subWorkflowName");
      const target = ctx.runTarget(id, name);
      if (target) {
        ext.delete("subWorkflowId");
        ext.delete("subWorkflowName");
        calls.push(`.runWorkflow(${target})`);
      } else {
        ctx.note(
          `it runs workflow ${lit(name ?? id)}, which does not exist in the project; it runs nothing in the code`,
        );
        calls.push(`.runWorkflow(undefined as never)`);
      }
      break;
    }
    case "merge":
      calls.push(".merge()");
      break;
    default:
      calls.push(TASK_KINDS[kind].code === "required" ? `.${kind}(${requiredCode()})` : `.${kind}(${codeArg ?? ""})`);
  }

  if (b.OwnerUin) calls.push(`.owner(${lit(String(b.OwnerUin))})`);
  if (b.TaskDescription) calls.push(`.description(${lit(b.TaskDescription)})`);
  if (b.TaskFolderPath && b.TaskFolderPath !== "/") {
    if (folderProblem(b.TaskFolderPath))
      ctx.note(
        `its folder ${lit(b.TaskFolderPath)} ${folderProblem(b.TaskFolderPath)}; the code leaves it in the root folder`,
      );
    else calls.push(`.folder(${lit(b.TaskFolderPath)})`);
  }
  for (const [field, method] of [
    ["ResourceGroup", "resourceGroup"],
    ["DataCluster", "dataCluster"],
    ["BrokerIp", "brokerIp"],
    ["YarnQueue", "yarnQueue"],
  ] as const)
    if (c[field]) calls.push(`.${method}(${lit(c[field])})`);
  if (c.SourceServiceId) calls.push(`.sourceServices(${String(c.SourceServiceId).split(";").map(lit).join(", ")})`);
  if (c.TargetServiceId) calls.push(`.targetServices(${String(c.TargetServiceId).split(";").map(lit).join(", ")})`);
  if (c.BundleId) calls.push(`.bundle(${lit(c.BundleId)}${c.BundleInfo ? `, ${lit(c.BundleInfo)}` : ""})`);
  else if (c.BundleInfo) ctx.note("it has BundleInfo without BundleId, which the code cannot set");
  const sched = (c.TaskSchedulingParameterList ?? []) as KV[];
  if (sched.length && recordSafe(sched)) calls.push(`.schedulingParams(${recordText(sched, ctx.secret)})`);
  else if (sched.length)
    ctx.note("its scheduling parameters repeat a key or have numeric keys out of order; their order is not kept");
  const kerberos = ext.get("enableKerberosLogin");
  // "false" is what the server adds to every task (and the default): only a login turned on is the user's.
  if (kerberos === "true") calls.push(".kerberos(true)");
  if (kerberos === "true" || kerberos === "false") ext.delete("enableKerberosLogin");
  for (const [k, v] of ext) if (!ctx.serverKeys.has(k)) calls.push(`.ext(${lit(k)}, ${ctx.secret(k, v)})`);

  // Scheduling: only what differs from the documented defaults.
  const differs = (k: string) =>
    s[k] !== undefined && s[k] !== null && s[k] !== (SCHEDULER_DEFAULTS as Record<string, unknown>)[k];
  if (differs("MaxRetryNumber") || differs("RetryWaitMinute")) {
    const retries = s.MaxRetryNumber ?? SCHEDULER_DEFAULTS.MaxRetryNumber;
    if (!inRange(retries, 0, 99) || (differs("RetryWaitMinute") && !inRange(s.RetryWaitMinute, 1, 1440)))
      ctx.note(
        `its retry policy (${retries} retries, ${s.RetryWaitMinute} min) is outside what the code accepts (0..99, ` +
          `1..1440 min)`,
      );
    else calls.push(`.retry(${retries}${differs("RetryWaitMinute") ? `, { waitMinutes: ${s.RetryWaitMinute} }` : ""})`);
  }
  if (differs("RunPriorityType")) {
    if (PRIORITY_OF.has(s.RunPriorityType)) calls.push(`.priority(${lit(PRIORITY_OF.get(s.RunPriorityType))})`);
    else ctx.note(`its RunPriorityType ${s.RunPriorityType} is not one of 4, 5, 6`);
  }
  for (const [k, method] of [
    ["ExecutionTTLMinute", "timeout"],
    ["WaitExecutionTotalTTLMinute", "waitTimeout"],
  ] as const) {
    if (!differs(k)) continue;
    if (inRange(s[k], 1, 525600, true)) calls.push(`.${method}(${s[k]})`);
    else ctx.note(`its ${k} ${s[k]} is outside what the code accepts (-1 or 1..525600)`);
  }
  if (differs("AllowRedoType")) {
    if ((REDO_POLICIES as readonly string[]).includes(s.AllowRedoType)) calls.push(`.redo(${lit(s.AllowRedoType)})`);
    else ctx.note(`its AllowRedoType ${lit(s.AllowRedoType)} is not one of ${REDO_POLICIES.join(", ")}`);
  }
  if (differs("DependencyTriggerPolicy")) {
    if ((TRIGGER_POLICIES as readonly string[]).includes(s.DependencyTriggerPolicy))
      calls.push(`.triggerWhen(${lit(s.DependencyTriggerPolicy)})`);
    else ctx.note(`its DependencyTriggerPolicy ${lit(s.DependencyTriggerPolicy)} is not a known policy`);
  }
  if (differs("AllowDownstreamDependency")) calls.push(`.allowDownstream(${s.AllowDownstreamDependency !== 0})`);
  if (differs("ScheduleType")) calls.push(`.dryRun()`);
  for (const o of (s.ParamTaskOutList ?? []) as KV[])
    calls.push(`.output(${lit(o.ParamKey)}, ${lit(o.ParamValue ?? "")})`);
  const upstreamIds = new Set(
    ((s.UpstreamDependencyConfigList ?? []) as Array<{ TaskId?: string }>).map((u) => String(u.TaskId)),
  );
  const ups = ((s.UpstreamDependencyConfigList ?? []) as Array<{ TaskId?: string }>).flatMap((u) =>
    ctx.nameOfId.has(String(u.TaskId)) ? [ctx.ref(must(ctx.nameOfId.get(String(u.TaskId)), "nameOfId entry"))] : [],
  );
  if (ups.length) calls.push(`.after(${ups.join(", ")})`);
  for (const p of (s.ParamTaskInList ?? []) as Json[]) {
    if (p.Type === "CONSTANT") {
      const desc = p.ParamDesc && p.ParamDesc !== p.FromParamKey ? [["desc", lit(p.ParamDesc)] as const] : [];
      calls.push(`.input(${lit(p.ParamKey)}, ${objectText([["constant", lit(p.FromParamKey ?? "")], ...desc])})`);
      continue;
    }
    const from = ctx.nameOfId.get(String(p.FromTaskId));
    if (!from) {
      ctx.note(
        `its input ${lit(p.ParamKey)} reads from task ${p.FromTaskId}, which is not a task of this workflow that can ` +
          `be imported; the input is dropped`,
      );
      continue;
    }
    if (!upstreamIds.has(String(p.FromTaskId))) {
      ctx.note(
        `its input ${lit(p.ParamKey)} reads from "${from}", which is not one of its upstream tasks (the compiler ` +
          `requires that); the input is dropped`,
      );
      continue;
    }
    const defaultDesc = ctx.projectIdent === undefined ? undefined : `${ctx.projectIdent}.${from}.${p.FromParamKey}`;
    calls.push(
      `.input(${lit(p.ParamKey)}, ` +
        `${objectText([
          ["from", ctx.ref(from)],
          ["param", lit(p.FromParamKey ?? "")],
          ...(p.ParamDesc && p.ParamDesc !== defaultDesc ? [["desc", lit(p.ParamDesc)] as const] : []),
        ])})`,
    );
  }
  for (const r of (s.TaskOutputRegistryList ?? []) as Json[]) {
    const entries: Array<[string, string | undefined]> = [
      ["datasourceId", lit(r.DatasourceId ?? "")],
      ["database", lit(r.DatabaseName ?? "")],
      ["table", lit(r.TableName ?? "")],
      ["partition", r.PartitionName ? lit(r.PartitionName) : undefined],
      ["flow", r.DataFlowType && r.DataFlowType !== "DOWNSTREAM" ? lit(r.DataFlowType) : undefined],
      ["tablePhysicalId", lit(r.TablePhysicalId ?? "")],
      ["dbGuid", r.DbGuid ? lit(r.DbGuid) : undefined],
      ["tableGuid", r.TableGuid ? lit(r.TableGuid) : undefined],
      ["catalog", r.CatalogName ? lit(r.CatalogName) : undefined],
      ["datasourceName", r.DatasourceName ? lit(r.DatasourceName) : undefined],
      ["qualifiedName", r.QualifiedName ? lit(r.QualifiedName) : undefined],
    ];
    calls.push(`.registerOutput(${opt(entries)})`);
  }
  return { builder: `task(${lit(tn)})`, calls };
}

const DEFAULT_END = "2099-12-31 23:59:59";

function workflowOptions(
  d: Json,
  name: string,
  note: (m: string) => void,
  secret: (k: string, v: string) => string,
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const folder = folderOfPath(d.Path, name);
  if (folder !== "/" && folderProblem(folder)) note(`its folder ${lit(folder)} ${folderProblem(folder)}`);
  out.push(["folder", lit(folder)]);
  if (d.WorkflowDesc) out.push(["description", lit(d.WorkflowDesc)]);
  if (d.OwnerUin) out.push(["owner", lit(String(d.OwnerUin))]);
  const params = (d.WorkflowParams ?? []) as KV[];
  if (params.length && recordSafe(params)) out.push(["params", recordText(params, secret)]);
  else if (params.length)
    note("its parameters repeat a key or have numeric keys out of order; their order is not kept");
  const triggers = (d.TriggerWorkflowSchedulerConfigurations ?? []) as Json[];
  const schedules = triggers.map((tc) => {
    if (tc.SchedulerStatus && d.SchedulerStatus && tc.SchedulerStatus !== d.SchedulerStatus)
      note(
        `a schedule's SchedulerStatus ${tc.SchedulerStatus} differs from the workflow's ${d.SchedulerStatus}; the ` +
          `code uses the workflow's`,
      );
    if (tc.TriggerMode === "FILE_ARRIVAL") {
      return objectText(
        [
          ["fileArrival", lit(tc.FileArrivalPath ?? "")],
          ...(tc.FileNamePattern ? [["pattern", lit(tc.FileNamePattern)] as [string, string]] : []),
          ...(tc.Recursive === 0 ? [["recursive", "false"] as [string, string]] : []),
          ["minIntervalMinutes", String(tc.TriggerMinimumInterval)],
          ["batchWaitMinutes", String(tc.TriggerWaitTime)],
        ],
        "    ",
      );
    }
    const cycle = tc.CycleType ?? "CRONTAB_CYCLE";
    const defaultMode = cycle !== "CRONTAB_CYCLE" ? "COMMON" : "CRON_EXPRESSION";
    return objectText(
      [
        ["cron", lit(tc.CrontabExpression ?? "")],
        ["start", lit(tc.StartTime ?? "")],
        ...(tc.EndTime && tc.EndTime !== DEFAULT_END ? [["end", lit(tc.EndTime)] as [string, string]] : []),
        ...(tc.ScheduleTimeZone && tc.ScheduleTimeZone !== "UTC+8"
          ? [["timezone", lit(tc.ScheduleTimeZone)] as [string, string]]
          : []),
        ...(cycle !== "CRONTAB_CYCLE" ? [["cycle", lit(cycle)] as [string, string]] : []),
        ...(tc.ConfigMode && tc.ConfigMode !== defaultMode
          ? [["configMode", lit(tc.ConfigMode)] as [string, string]]
          : []),
      ],
      "    ",
    );
  });
  if (schedules.length === 1) out.push(["schedule", schedules[0]!]);
  else if (schedules.length > 1) out.push(["schedule", `[\n    ${schedules.join(",\n    ")},\n  ]`]);
  if (d.SchedulerStatus) out.push(["status", lit(d.SchedulerStatus)]);
  const run = d.TriggerWorkflowRunConfiguration as Json | null | undefined;
  if (run?.MaxConcurrentNum !== undefined && run?.MaxConcurrentNum !== null)
    out.push(["maxConcurrentRuns", String(run.MaxConcurrentNum)]);
  if (run?.QueuingMode !== undefined && run?.QueuingMode !== null)
    out.push(["queueWhenBusy", String(run.QueuingMode === 1)]);
  for (const g of (d.GeneralTaskParams ?? []) as Json[]) {
    const pairs = String(g.Value ?? "")
      .split(";")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as [string, string]);
    if (
      g.Type === "SPARK_SQL" &&
      pairs.map(([k, v]) => `${k}=${v}`).join(";") === g.Value &&
      recordSafe(pairs.map(([k]) => ({ ParamKey: k })))
    )
      out.push([
        "sparkSqlParams",
        objectText(
          pairs.map(([k, v]) => [k, lit(v)] as const),
          "    ",
        ),
      ]);
    else
      note(
        `its general task parameters of type ${lit(g.Type)} cannot be written with sparkSqlParams; they are dropped`,
      );
  }
  if (d.ExecuteUserUin) out.push(["executeUser", lit(String(d.ExecuteUserUin))]);
  if (d.BundleId) out.push(["bundleId", lit(d.BundleId)]);
  // The deployer's own ownership mark is not user data.
  if (d.BundleInfo && workflowOwner(d.BundleInfo) === undefined) out.push(["bundleInfo", lit(d.BundleInfo)]);
  return out;
}

function tsProject() {
  return new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
  });
}

/** Formatted by the TypeScript formatter, with a blank line between top-level statements. */
function formatted(sf: ReturnType<Project["createSourceFile"]>): string {
  sf.formatText({ indentSize: 2, tabSize: 2, convertTabsToSpaces: true });
  return sf
    .getFullText()
    .replace(/;\n(?=(export )?const |\/\*\*)/g, ";\n\n")
    .replace(/\n+$/, "\n");
}

function writeChain(w: CodeBlockWriter, code: TaskCode) {
  w.write(code.builder);
  for (const c of code.calls) w.newLine().write(`  ${c}`);
}

function renderWorkflowFile(f: {
  header: readonly string[];
  dslImports: string[];
  imports: ReadonlyMap<string, ReadonlySet<string>>;
  statements: ReadonlyArray<{ name: string; code: TaskCode }>;
  workflow: { variable: string; name: string; options: Array<[string, string]>; tasks: string[] };
}): string {
  const sf = tsProject().createSourceFile("w.ts", "");
  sf.addImportDeclaration({ namedImports: f.dslImports, moduleSpecifier: "@wedata-kit/dsl" });
  for (const [spec, names] of [...f.imports].sort(([a], [b]) => (a < b ? -1 : 1)))
    sf.addImportDeclaration({ namedImports: [...names].sort(), moduleSpecifier: spec });
  for (const s of f.statements) {
    sf.addVariableStatement({
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: s.name, initializer: (w) => writeChain(w, s.code) }],
    });
  }
  const opts = `{\n${f.workflow.options.map(([k, v]) => `  ${k}: ${v},`).join("\n")}\n}`;
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [
      {
        name: f.workflow.variable,
        initializer: (w) => {
          w.write(`workflow(${lit(f.workflow.name)}, ${opts})`);
          const list = f.workflow.tasks.join(", ");
          if (list.length > 70) w.write(`.tasks(\n${f.workflow.tasks.map((t) => `  ${t},`).join("\n")}\n)`);
          else if (list) w.write(`.tasks(${list})`);
        },
      },
    ],
  });
  return `${f.header.map((l) => `// ${l}\n`).join("")}${formatted(sf)}`;
}
