import { encodeExtOptions } from "./ext-options.js";
import {
  DLC_SQL_ENGINE_KINDS,
  DATA_FLOW_TYPES,
  PRIORITIES,
  PYTHON_VERSIONS,
  REDO_POLICIES,
  TRIGGER_POLICIES,
  type DataFlowType,
  type DlcSqlEngineKind,
  type Priority,
  type PythonVersion,
  type RedoPolicy,
  type TriggerPolicy,
} from "./enums.js";
import { attempt, DslError, recordMisuse, type DslProblem } from "./errors.js";
import {
  TASK_BRAND,
  type CodeSource,
  type InputParamNode,
  type KeyValue,
  type OutputRegistryNode,
  type TaskNode,
  type TaskRef,
} from "./ir.js";
import type { TaskKind } from "./kinds.js";
import { callerLocation, shownLocation, type SourceLocation } from "./source-location.js";
import { deepFreeze, requireInt, requireOneOf, requireString, toKeyValues, upsert } from "./values.js";
import { isTask, isWorkflow } from "./brand.js";
import type { WorkflowBuilder } from "./workflow.js";

/**
 * A task's program: a path relative to the project root (the folder of `wedata.config.ts`), `{ file }`, or
 * `{ inline }` text. Files must be UTF-8 text; `{ file, binary: true }` sends a file's bytes unchecked
 * (e.g. a GBK-encoded script).
 */
export type CodeInput = string | { readonly file: string; readonly binary?: boolean } | { readonly inline: string };

/** Settings shared by the DLC kinds. */
export interface DlcEngineOptions {
  /** DLC data engine (compute resource) name; sets `computeResource`/`dataEngine`. */
  readonly engine: string;
  /** DLC region, e.g. `ap-guangzhou`; sets `dlc_region`. */
  readonly region?: string;
  /** The engine description as DLC DescribeDataEngines returns it, base64 JSON; sets `dlcDataEngine`. */
  readonly engineDescriptor?: string;
}

export interface DlcSqlOptions extends DlcEngineOptions {
  /** Engine flavour; sets `dlcEngineType`, `computeResourceType` and `IsInherit`. Default `supersql-sparksql`. */
  readonly engineKind?: DlcSqlEngineKind;
  /** Spark/Presto run configuration; sent as `runConfParams` JSON. */
  readonly conf?: Readonly<Record<string, string>>;
}

export interface DlcSparkOptions extends DlcEngineOptions {
  /** The program on COS (`cosn://bucket/app.jar` or `.py`); sets `dlcSparkAppFile`. */
  readonly appFile: string;
  /** Main class for a jar; sets `dlcSparkMainClass`. */
  readonly mainClass?: string;
  /** CAM role (data access policy) id; sets `roleArn`. */
  readonly roleArn?: string;
  readonly jars?: readonly string[];
  readonly pyFiles?: readonly string[];
  readonly files?: readonly string[];
  readonly archives?: readonly string[];
  /** Spark configuration; sent as `dlcSparkAppConf` lines `k=v`. */
  readonly conf?: Readonly<Record<string, string>>;
  /** Program arguments; sets `dlcSparkCmdArgsV2`. */
  readonly args?: string;
}

export interface DlcPySparkOptions extends DlcEngineOptions {
  readonly roleArn?: string;
  readonly pythonVersion?: PythonVersion;
  /** Program arguments; sets `cmdargsMainArgs`. */
  readonly mainArgs?: string;
  /** Spark configuration; sent as `cmdargsSparkConfig` lines `k=v`. */
  readonly conf?: Readonly<Record<string, string>>;
}

export interface ShellFormOptions {
  /** The resource (zip) path in the project's resources; sets `ftp.file.name`. */
  readonly resource: string;
  /** The command to run; sets `shell.cmd`. */
  readonly command: string;
  /** Command arguments; sets `shell.args`. */
  readonly args?: string;
}

/** An input parameter: read from an upstream task's output, or (For-each only) a constant. */
export type InputOptions =
  | { readonly from: TaskBuilder | string; readonly param: string; readonly desc?: string }
  | { readonly constant: string; readonly desc?: string };

/** A declared output table (`TaskOutputRegistryList` item). */
export interface OutputRegistryOptions {
  readonly datasourceId: string;
  readonly database: string;
  readonly table: string;
  readonly partition?: string;
  /** `DOWNSTREAM` (an output, default) or `UPSTREAM` (an input). */
  readonly flow?: DataFlowType;
  readonly tablePhysicalId: string;
  readonly dbGuid?: string;
  readonly tableGuid?: string;
  readonly catalog?: string;
  readonly datasourceName?: string;
  readonly qualifiedName?: string;
}

/**
 * An immutable builder for one WeData trigger task (CreateTriggerTask). Every method returns a new
 * builder; the original is unchanged.
 */
export interface TaskBuilder<Name extends string = string> {
  readonly [TASK_BRAND]: true;
  /** The task's name (`TaskName`), unique within its workflow. */
  readonly name: Name;
  /** The frozen IR node this builder holds. */
  readonly node: TaskNode;

  /**
   * A Shell task (TaskTypeId 35); the script is base64-encoded into `CodeContent` at compile time.
   * @example task("load").shell("jobs/load.sh")
   */
  shell(code: CodeInput): this;
  /**
   * A Python task (TaskTypeId 30).
   * @param options.version Python interpreter; sets `python_type` and `python_sub_version`.
   * @example task("score").python("jobs/score.py", { version: "python3.11" })
   */
  python(code: CodeInput, options?: { readonly version?: PythonVersion }): this;
  /**
   * A DLC SQL task (TaskTypeId 32).
   * @example task("agg").dlcSql("sql/agg.sql", { engine: "dlc-sparksql", region: "ap-guangzhou" })
   */
  dlcSql(code: CodeInput, options: DlcSqlOptions): this;
  /**
   * A DLC Spark job (TaskTypeId 46) running a jar or py file on COS; no `CodeContent`.
   * @example task("train").dlcSpark({ engine: "spark-batch", appFile: "cosn://b/train.jar", mainClass:
   * "com.acme.Train" })
   */
  dlcSpark(options: DlcSparkOptions): this;
  /**
   * A DLC PySpark task (TaskTypeId 50); the script goes into `CodeContent`.
   * @example task("features").dlcPySpark("jobs/features.py", { engine: "spark-batch" })
   */
  dlcPySpark(code: CodeInput, options: DlcPySparkOptions): this;
  /**
   * A DLC Spark Streaming task (TaskTypeId 139).
   * @example task("stream").dlcSparkStreaming("jobs/stream.py", { engine: "spark-stream" })
   */
  dlcSparkStreaming(code: CodeInput | undefined, options: DlcEngineOptions): this;
  /**
   * An Offline Synchronization (data integration) task (TaskTypeId 26); the job JSON goes into `CodeContent`.
   * Pass a file, inline text, or `{ job }` with an object that is serialized as JSON.
   * @example task("sync_orders").offlineSync({ job: { reader: {}, writer: {} } }).sourceServices("62175")
   */
  offlineSync(job: CodeInput | { readonly job: unknown }): this;
  /**
   * A Shell Form Mode task (TaskTypeId 38) running a command from a resource package.
   * @example task("pack").shellForm({ resource: "/res/tools.zip", command: "sh run.sh" })
   */
  shellForm(options: ShellFormOptions): this;
  /** A Branch node (TaskTypeId 130). @example task("route").branch({ inline: "..." }) */
  branch(code?: CodeInput): this;
  /** A Merge node (TaskTypeId 131). @example task("join").merge().after(a, b) */
  merge(): this;
  /** A Notebook task (TaskTypeId 132). @example task("explore").notebook("nb/explore.ipynb") */
  notebook(code?: CodeInput): this;
  /** An SSH task (TaskTypeId 133). @example task("remote").ssh("jobs/remote.sh") */
  ssh(code: CodeInput): this;
  /** A For-each node (TaskTypeId 137). @example task("each_region").forEach().input("regions", { constant: "cn,hk" })
   * */
  forEach(code?: CodeInput): this;
  /**
   * A Run Workflow task (TaskTypeId 140): runs another workflow of this project as one node.
   * @example task("run_dims").runWorkflow(dimensions)
   */
  runWorkflow(workflow: WorkflowBuilder): this;

  /** The owner's account id (`OwnerUin`); defaults to the caller. @example .owner("100028579801") */
  owner(uin: string): this;
  /** `TaskDescription`. @example .description("Loads orders into the warehouse") */
  description(text: string): this;
  /** Task folder inside the workflow (`TaskFolderPath`), without the node-type category; created on deploy. @example
   * .folder("/ods") */
  folder(path: string): this;
  /** Scheduling resource group id (`ResourceGroup`). @example .resourceGroup("20240222212719833743") */
  resourceGroup(id: string): this;
  /** Cluster id (`DataCluster`). @example .dataCluster("emr-abc123") */
  dataCluster(id: string): this;
  /** Execution node (`BrokerIp`); WeData's console uses `any`. @example .brokerIp("any") */
  brokerIp(ip: string): this;
  /** Resource pool queue (`YarnQueue`). @example .yarnQueue("root.etl") */
  yarnQueue(queue: string): this;
  /** Source data-source ids (`SourceServiceId`, joined with `;`). @example .sourceServices("62175") */
  sourceServices(...ids: string[]): this;
  /** Target data-source ids (`TargetServiceId`, joined with `;`). @example .targetServices("62176") */
  targetServices(...ids: string[]): this;
  /** Bundle id and info (`BundleId`, `BundleInfo`). @example .bundle("b-1", "{}") */
  bundle(id: string, info?: string): this;
  /** Task variables (`TaskSchedulingParameterList`), merged by key in declared order. @example .schedulingParams({
   * bizdate: "${yyyyMMdd}" }) */
  schedulingParams(params: Readonly<Record<string, string | number | boolean>>): this;
  /** Raw extension parameter (`TaskExtConfigurationList`) for any key the typed methods do not cover. @example
   * .ext("extraInfo", '{"fromMapping":false}') */
  ext(key: string, value: string): this;
  /** Kerberos login for the task (`enableKerberosLogin`). @example .kerberos(false) */
  kerberos(enabled: boolean): this;

  /**
   * Retry policy: attempts (`MaxRetryNumber`, 0..99, default 4) and wait between them (`RetryWaitMinute`, default 5).
   * @example .retry(3, { waitMinutes: 10 })
   */
  retry(maxRetries: number, options?: { readonly waitMinutes?: number }): this;
  /** Run priority (`RunPriorityType`): high 4, medium 5, low 6 (default). @example .priority("high") */
  priority(level: Priority): this;
  /** Run timeout in minutes (`ExecutionTTLMinute`); -1 (default) for none. @example .timeout(120) */
  timeout(minutes: number): this;
  /** Total wait timeout in minutes (`WaitExecutionTotalTTLMinute`); -1 (default) for none. @example .waitTimeout(600)
   * */
  waitTimeout(minutes: number): this;
  /** Rerun/backfill policy (`AllowRedoType`): ALL (default), FAILURE or NONE. @example .redo("FAILURE") */
  redo(policy: RedoPolicy): this;
  /**
   * Declare an output parameter (`ParamTaskOutList`): a constant, or a variable over the task's result
   * (`$[0]` first row, first column; `$[n][m]`, `$[n][*]`, `$[*][n]`, `$[*][*]`).
   * @example .output("row_count", "$[0]")
   */
  output(key: string, definition: string): this;
  /** Declare an input parameter (`ParamTaskInList`). @example .input("n", { from: extract, param: "row_count" }) */
  input(key: string, options: InputOptions): this;
  /** Register an output table (`TaskOutputRegistryList`). @example .registerOutput({ datasourceId: "1", database:
   * "dw", table: "orders", tablePhysicalId: "t1" }) */
  registerOutput(registry: OutputRegistryOptions): this;
  /** When to run given the upstream outcomes (`DependencyTriggerPolicy`, default ALL_SUCCESS). @example
   * .triggerWhen("ALL_DONE") */
  triggerWhen(policy: TriggerPolicy): this;
  /** Whether other tasks may depend on this one (`AllowDownstreamDependency`, default true). @example
   * .allowDownstream(false) */
  allowDownstream(allowed: boolean): this;
  /** Dry-run scheduling (`ScheduleType` 1): the task is scheduled but does nothing. @example .dryRun() */
  dryRun(enabled?: boolean): this;
  /**
   * Upstream dependencies (`UpstreamDependencyConfigList`), tasks of the same workflow; a string names a task
   * of the same workflow. Repeated calls add to the list.
   * @example task("load").shell("jobs/load.sh").after(extract, clean)
   */
  after(...tasks: Array<TaskBuilder | string>): this;
  /**
   * The name this task had before (in the same workflow): the deploy renames the remote task in place
   * (a new `TaskName` in its update), keeping its id, versions and run history. Once deployed it can be
   * removed; when no task of the old name exists remotely it does nothing.
   * @example task("load_orders").shell("jobs/load.sh").renamedFrom("load")
   */
  renamedFrom(oldName: string): this;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function codeSource(input: CodeInput | undefined, loc: SourceLocation): CodeSource | undefined {
  // No code at all is reported by the compiler (E_CODE_REQUIRED) for kinds that need it.
  if (input === undefined || input === null) return undefined;
  if (typeof input === "string") return { from: "file", path: input };
  if (input && typeof input === "object") {
    if ("file" in input && typeof input.file === "string")
      return { from: "file", path: input.file, ...(input.binary === true && { binary: true as const }) };
    if ("inline" in input && typeof input.inline === "string") return { from: "inline", text: input.inline };
  }
  throw new DslError(
    "E_TYPE",
    "code must be a file path, { file } or { inline }",
    loc,
    'write .shell("jobs/x.sh") or .shell({ inline: "echo hi" })',
  );
}

function definedEntries(entries: Record<string, string | undefined>): KeyValue[] {
  return Object.entries(entries)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => Object.freeze([k, v] as const));
}

export function taskRefOf(t: TaskBuilder | string, at: SourceLocation, what: string): TaskRef {
  if (typeof t === "string") return Object.freeze({ name: t, origin: at, at });
  if (!isTask(t))
    throw new DslError(
      "E_TYPE",
      `${what} takes tasks made with task() or task names`,
      at,
      "pass the builder returned by task(...)",
    );
  return Object.freeze({ name: t.name, origin: t.node.origin, at });
}

class TaskBuilderImpl<Name extends string> implements TaskBuilder<Name> {
  readonly [TASK_BRAND] = true as const;
  constructor(readonly node: TaskNode) {}

  get name(): Name {
    return this.node.name as Name;
  }

  /** A new builder with `patch` applied, `loc` recorded as the place of `setting` (and of `also`, when given). */
  private with(
    setting: string,
    patch: Partial<Mutable<TaskNode>>,
    loc: SourceLocation = callerLocation(),
    also?: string,
  ): this {
    // `this` in the interface's return types: the checker then instantiates no method per task name.
    // Frozen as it is made: the node and what is new in it (the rest is the previous node's, frozen already).
    for (const v of Object.values(patch)) deepFreeze(v);
    deepFreeze(loc);
    const locs: Record<string, SourceLocation> = { ...this.node.locs, [setting]: loc };
    if (also !== undefined) locs[also] = loc;
    return new TaskBuilderImpl<Name>(Object.freeze({ ...this.node, ...patch, locs: Object.freeze(locs) })) as this;
  }

  private withKind(
    kind: TaskKind,
    loc: SourceLocation,
    code: CodeSource | undefined,
    ext: readonly KeyValue[] = [],
    extra: Partial<Mutable<TaskNode>> = {},
  ): this {
    if (this.node.taskKind && this.node.taskKind !== kind) {
      throw new DslError(
        "E_KIND_TWICE",
        `task "${this.node.name}" is already a ${this.node.taskKind} task; it cannot also be ${kind}`,
        loc,
        "call one kind method per task",
      );
    }
    const patch: Partial<Mutable<TaskNode>> = { taskKind: kind, ext: upsert(this.node.ext, ext), ...extra };
    if (code) patch.code = code;
    return this.with("kind", patch, loc, code ? "code" : undefined);
  }

  private checkDlcEngine(o: DlcEngineOptions, loc: SourceLocation): void {
    if (!o || typeof o !== "object")
      throw new DslError(
        "E_TYPE",
        "DLC options are required: { engine, region? }",
        loc,
        'pass { engine: "<DLC engine name>" }',
      );
    requireString(o.engine, "DLC engine", loc);
  }

  shell(code: CodeInput) {
    const loc = callerLocation();
    return this.withKind("shell", loc, codeSource(code, loc));
  }
  python(code: CodeInput, options: { readonly version?: PythonVersion } = {}) {
    const loc = callerLocation();
    const version =
      options.version === undefined ? undefined : requireOneOf(options.version, PYTHON_VERSIONS, "Python version", loc);
    return this.withKind("python", loc, codeSource(code, loc), encodeExtOptions("python", { version }));
  }
  dlcSql(code: CodeInput, options: DlcSqlOptions) {
    const loc = callerLocation();
    this.checkDlcEngine(options, loc);
    const engineKind = requireOneOf(
      options.engineKind ?? "supersql-sparksql",
      Object.keys(DLC_SQL_ENGINE_KINDS) as DlcSqlEngineKind[],
      "DLC SQL engineKind",
      loc,
    );
    const implied: Record<string, string> = { ...DLC_SQL_ENGINE_KINDS[engineKind] };
    const ext = [
      ...encodeExtOptions("dlcSql", options as unknown as Record<string, unknown>),
      ...definedEntries({
        ...implied,
        runConfParams: options.conf
          ? JSON.stringify(Object.entries(options.conf).map(([name, value]) => ({ name, value })))
          : undefined,
      }),
    ];
    return this.withKind("dlcSql", loc, codeSource(code, loc), ext);
  }
  dlcSpark(options: DlcSparkOptions) {
    const loc = callerLocation();
    this.checkDlcEngine(options, loc);
    requireString(options.appFile, "DLC Spark appFile", loc);
    const ext = encodeExtOptions("dlcSpark", options as unknown as Record<string, unknown>);
    return this.withKind("dlcSpark", loc, undefined, ext);
  }
  dlcPySpark(code: CodeInput, options: DlcPySparkOptions) {
    const loc = callerLocation();
    this.checkDlcEngine(options, loc);
    if (options.pythonVersion) requireOneOf(options.pythonVersion, PYTHON_VERSIONS, "Python version", loc);
    const ext = encodeExtOptions("dlcPySpark", options as unknown as Record<string, unknown>);
    return this.withKind("dlcPySpark", loc, codeSource(code, loc), ext);
  }
  dlcSparkStreaming(code: CodeInput | undefined, options: DlcEngineOptions) {
    const loc = callerLocation();
    this.checkDlcEngine(options, loc);
    const ext = encodeExtOptions("dlcSparkStreaming", options as unknown as Record<string, unknown>);
    return this.withKind("dlcSparkStreaming", loc, codeSource(code, loc), ext);
  }
  offlineSync(job: CodeInput | { readonly job: unknown }) {
    const loc = callerLocation();
    if (job && typeof job === "object" && "job" in job) {
      return this.withKind("offlineSync", loc, { from: "inline", text: JSON.stringify(job.job) });
    }
    return this.withKind("offlineSync", loc, codeSource(job as CodeInput, loc));
  }
  shellForm(options: ShellFormOptions) {
    const loc = callerLocation();
    requireString(options?.resource, "Shell Form resource", loc);
    requireString(options.command, "Shell Form command", loc);
    return this.withKind(
      "shellForm",
      loc,
      undefined,
      encodeExtOptions("shellForm", options as unknown as Record<string, unknown>),
    );
  }
  branch(code?: CodeInput) {
    const loc = callerLocation();
    return this.withKind("branch", loc, codeSource(code, loc));
  }
  merge() {
    return this.withKind("merge", callerLocation(), undefined);
  }
  notebook(code?: CodeInput) {
    const loc = callerLocation();
    return this.withKind("notebook", loc, codeSource(code, loc));
  }
  ssh(code: CodeInput) {
    const loc = callerLocation();
    return this.withKind("ssh", loc, codeSource(code, loc));
  }
  forEach(code?: CodeInput) {
    const loc = callerLocation();
    return this.withKind("forEach", loc, codeSource(code, loc));
  }
  runWorkflow(workflow: WorkflowBuilder) {
    const loc = callerLocation();
    if (!isWorkflow(workflow))
      throw new DslError(
        "E_TYPE",
        "runWorkflow() takes a workflow made with workflow()",
        loc,
        "pass the builder returned by workflow(...)",
      );
    return this.withKind("runWorkflow", loc, undefined, [], {
      runs: { name: workflow.name, origin: workflow.node.origin, at: loc },
    });
  }

  owner(uin: string) {
    const loc = callerLocation();
    return this.with("owner", { owner: requireString(uin, "owner", loc) }, loc);
  }
  description(text: string) {
    const loc = callerLocation();
    return this.with("description", { description: requireString(text, "description", loc) }, loc);
  }
  folder(path: string) {
    const loc = callerLocation();
    return this.with("folder", { folder: requireString(path, "folder", loc) }, loc);
  }
  resourceGroup(id: string) {
    const loc = callerLocation();
    return this.with("resourceGroup", { resourceGroup: requireString(id, "resourceGroup", loc) }, loc);
  }
  dataCluster(id: string) {
    const loc = callerLocation();
    return this.with("dataCluster", { dataCluster: requireString(id, "dataCluster", loc) }, loc);
  }
  brokerIp(ip: string) {
    const loc = callerLocation();
    return this.with("brokerIp", { brokerIp: requireString(ip, "brokerIp", loc) }, loc);
  }
  yarnQueue(queue: string) {
    const loc = callerLocation();
    return this.with("yarnQueue", { yarnQueue: requireString(queue, "yarnQueue", loc) }, loc);
  }
  sourceServices(...ids: string[]) {
    const loc = callerLocation();
    return this.with(
      "sourceServices",
      { sourceServiceIds: ids.map((id) => requireString(id, "source service id", loc)) },
      loc,
    );
  }
  targetServices(...ids: string[]) {
    const loc = callerLocation();
    return this.with(
      "targetServices",
      { targetServiceIds: ids.map((id) => requireString(id, "target service id", loc)) },
      loc,
    );
  }
  bundle(id: string, info?: string) {
    const loc = callerLocation();
    return this.with(
      "bundle",
      {
        bundleId: requireString(id, "bundle id", loc),
        ...(info === undefined ? {} : { bundleInfo: requireString(info, "bundle info", loc) }),
      },
      loc,
    );
  }
  schedulingParams(params: Readonly<Record<string, string | number | boolean>>) {
    const loc = callerLocation();
    return this.with(
      "schedulingParams",
      { schedulingParams: upsert(this.node.schedulingParams, toKeyValues(params, "schedulingParams", loc)) },
      loc,
    );
  }
  ext(key: string, value: string) {
    const loc = callerLocation();
    requireString(key, "ext key", loc);
    return this.with(
      `ext:${key}`,
      { ext: upsert(this.node.ext, [[key, requireString(value, `ext ${key}`, loc)]]) },
      loc,
    );
  }
  kerberos(enabled: boolean) {
    const loc = callerLocation();
    return this.with(
      "ext:enableKerberosLogin",
      { ext: upsert(this.node.ext, [["enableKerberosLogin", String(Boolean(enabled))]]) },
      loc,
    );
  }

  retry(maxRetries: number, options: { readonly waitMinutes?: number } = {}) {
    const loc = callerLocation();
    const patch: Partial<Mutable<TaskNode>> = {
      maxRetries: requireInt(maxRetries, "retry count (MaxRetryNumber)", loc, 0, 99),
    };
    if (options.waitMinutes !== undefined)
      patch.retryWaitMinutes = requireInt(options.waitMinutes, "retry wait (RetryWaitMinute)", loc, 1, 1440);
    return this.with("retry", patch, loc);
  }
  priority(level: Priority) {
    const loc = callerLocation();
    const name = requireOneOf(level, Object.keys(PRIORITIES) as Priority[], "priority", loc);
    return this.with("priority", { priority: PRIORITIES[name] }, loc);
  }
  timeout(minutes: number) {
    const loc = callerLocation();
    return this.with(
      "timeout",
      { executionTimeoutMinutes: requireInt(minutes, "timeout (ExecutionTTLMinute)", loc, 1, 525600, true) },
      loc,
    );
  }
  waitTimeout(minutes: number) {
    const loc = callerLocation();
    return this.with(
      "waitTimeout",
      { waitTimeoutMinutes: requireInt(minutes, "wait timeout (WaitExecutionTotalTTLMinute)", loc, 1, 525600, true) },
      loc,
    );
  }
  redo(policy: RedoPolicy) {
    const loc = callerLocation();
    return this.with("redo", { redo: requireOneOf(policy, REDO_POLICIES, "redo policy (AllowRedoType)", loc) }, loc);
  }
  output(key: string, definition: string) {
    const loc = callerLocation();
    requireString(key, "output key", loc);
    return this.with(
      `output:${key}`,
      { outputs: upsert(this.node.outputs, [[key, requireString(definition, `output ${key}`, loc)]]) },
      loc,
    );
  }
  input(key: string, options: InputOptions) {
    const loc = callerLocation();
    requireString(key, "input key", loc);
    let param: InputParamNode;
    if (options && "constant" in options) {
      param = {
        kind: "constant",
        key,
        constant: requireString(options.constant, `input ${key} constant`, loc),
        ...(options.desc ? { desc: options.desc } : {}),
      };
    } else if (options && "from" in options) {
      param = {
        kind: "fromTask",
        key,
        from: taskRefOf(options.from, loc, "input({ from })"),
        fromParam: requireString(options.param, `input ${key} param`, loc),
        ...(options.desc ? { desc: options.desc } : {}),
      };
    } else {
      throw new DslError(
        "E_TYPE",
        `input "${key}" needs { from, param } or { constant }`,
        loc,
        'write .input("n", { from: extract, param: "row_count" })',
      );
    }
    const inputs = [...(this.node.inputs ?? []).filter((p) => p.key !== key), param];
    return this.with(`input:${key}`, { inputs }, loc);
  }
  registerOutput(r: OutputRegistryOptions) {
    const loc = callerLocation();
    for (const f of ["datasourceId", "database", "table", "tablePhysicalId"] as const)
      requireString(r?.[f], `registerOutput ${f}`, loc);
    const node: OutputRegistryNode = {
      datasourceId: r.datasourceId,
      database: r.database,
      table: r.table,
      partition: r.partition ?? "",
      flow: requireOneOf(r.flow ?? "DOWNSTREAM", DATA_FLOW_TYPES, "registerOutput flow", loc),
      tablePhysicalId: r.tablePhysicalId,
      ...(r.dbGuid ? { dbGuid: r.dbGuid } : {}),
      ...(r.tableGuid ? { tableGuid: r.tableGuid } : {}),
      ...(r.catalog ? { catalog: r.catalog } : {}),
      ...(r.datasourceName ? { datasourceName: r.datasourceName } : {}),
      ...(r.qualifiedName ? { qualifiedName: r.qualifiedName } : {}),
    };
    return this.with(
      `registry:${r.tablePhysicalId}`,
      { outputRegistry: [...(this.node.outputRegistry ?? []), node] },
      loc,
    );
  }
  triggerWhen(policy: TriggerPolicy) {
    const loc = callerLocation();
    return this.with(
      "triggerWhen",
      { triggerPolicy: requireOneOf(policy, TRIGGER_POLICIES, "trigger policy (DependencyTriggerPolicy)", loc) },
      loc,
    );
  }
  allowDownstream(allowed: boolean) {
    return this.with("allowDownstream", { allowDownstream: Boolean(allowed) });
  }
  dryRun(enabled = true) {
    return this.with("dryRun", { dryRun: Boolean(enabled) });
  }
  renamedFrom(oldName: string) {
    const loc = callerLocation();
    return this.with("renamedFrom", { renamedFrom: requireString(oldName, "renamedFrom", loc) }, loc);
  }
  after(...tasks: Array<TaskBuilder | string>) {
    const loc = callerLocation();
    const refs = tasks.map((t) => taskRefOf(t, loc, "after()"));
    return this.with(`after:${this.node.upstream.length}`, { upstream: [...this.node.upstream, ...refs] }, loc);
  }
}

// A misuse of any method is recorded on the builder it returns (the setting stays as it was).
recordMisuse(
  TaskBuilderImpl.prototype as TaskBuilderImpl<string>,
  ["with", "withKind", "dlcEngineExt"],
  (self, problem) =>
    new TaskBuilderImpl<string>(deepFreeze({ ...self.node, problems: [...(self.node.problems ?? []), problem] })),
);

/**
 * Declare a trigger task. Give it a kind (`.shell()`, `.python()`, ...) and add it to a workflow with
 * `workflow(...).tasks(...)`.
 * @param name `TaskName`, unique within its workflow: letters, digits, `_`, `-` (Chinese allowed), at most 100
 * characters.
 * @example
 * const extract = task("extract").shell("jobs/extract.sh");
 * const load = task("load").python("jobs/load.py").retry(4).after(extract);
 */
export function task<const Name extends string>(name: Name): TaskBuilder<Name> {
  const loc = shownLocation();
  const problems: DslProblem[] = [];
  attempt(problems, () => requireString(name, "task name", loc));
  // While the CLI loads pipeline files it collects every task() call, to warn about tasks placed in no workflow.
  const sink = (globalThis as { [k: symbol]: unknown })[Symbol.for("wedata-kit.created-tasks")];
  if (Array.isArray(sink)) sink.push({ name: String(name), origin: loc });
  return new TaskBuilderImpl<Name>(
    deepFreeze({
      kind: "task",
      name: String(name) as Name,
      origin: loc,
      locs: { name: loc },
      ext: [],
      upstream: [],
      ...(problems.length && { problems }),
    }),
  );
}

export { isTask } from "./brand.js";
