import {
  canonicalJson,
  SCHEDULER_DEFAULTS,
  sha256,
  type TaskPayload,
  type WorkflowPayload,
} from "@wedata-kit/compiler";
import { OWNER_EXT_KEY, workflowOwner } from "./ownership.js";
import type { RemoteTask, RemoteWorkflowDetail } from "./sdk-client.js";

export { SCHEDULER_DEFAULTS };
const SCHEDULER_LISTS = ["ParamTaskOutList", "ParamTaskInList", "TaskOutputRegistryList"];
const CONFIG_SCALARS = [
  "ResourceGroup",
  "DataCluster",
  "BrokerIp",
  "YarnQueue",
  "SourceServiceId",
  "TargetServiceId",
  "BundleId",
  "BundleInfo",
];

type Json = Record<string, unknown>;
type KV = { ParamKey?: string | null; ParamValue?: string | null };

/** A task in one comparable shape, whether it came from the code or from the server. */
export interface ComparableTask {
  readonly fields: Record<string, unknown>;
  readonly code: string;
  /** The program's bytes, base64 (text decoding would hide differences in non-UTF-8 programs). */
  readonly codeBytes: string;
}

const blank = (v: unknown) => v === undefined || v === null || v === "";
const clean = (o: Json): Json =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => !blank(v) && !(Array.isArray(v) && v.length === 0)));
const stripNulls = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(stripNulls)
    : v && typeof v === "object"
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([, x]) => x !== null && x !== undefined)
            .map(([k, x]) => [k, stripNulls(x)]),
        )
      : v;
const decode = (b64: unknown) => (typeof b64 === "string" && b64 ? Buffer.from(b64, "base64").toString("utf8") : "");

/**
 * The settings of a task that belong to whoever sets them: extension keys (`ext:<key>`), the optional
 * configuration fields and `OwnerUin`. The server adds its own extension keys (the vendor's examples show
 * `bucket`, `region`, `extraInfo`, ...), so a key counts only when the code sets it or wedata-kit wrote
 * it in an earlier deploy (three-way, like `kubectl apply`); everything else of a task (name, kind,
 * folder, program, upstreams, scheduler settings) is always the code's.
 */
export function ownedKeysOf(p: TaskPayload): string[] {
  const c = p.TriggerTaskConfiguration as unknown as Json;
  return [
    ...(p.TriggerTaskBaseAttribute.OwnerUin !== undefined ? ["OwnerUin"] : []),
    ...CONFIG_SCALARS.filter((k) => !blank(c[k])),
    ...(p.TriggerTaskConfiguration.TaskExtConfigurationList ?? [])
      .filter((e) => e.ParamKey !== OWNER_EXT_KEY)
      .map((e) => `ext:${e.ParamKey}`),
  ].sort();
}

/**
 * Reduce a task to what both sides can be compared on: TaskTypeId as a string, documented defaults
 * filled in, empty values dropped, only the owned optional settings (see `ownedKeysOf`), upstream ids
 * as a set, code decoded.
 */
export function comparableTask(base: Json, config: Json, scheduler: Json, owned: ReadonlySet<string>): ComparableTask {
  const ext: Json = {};
  for (const e of (config.TaskExtConfigurationList as KV[] | null | undefined) ?? []) {
    const k = e.ParamKey ?? "";
    if (owned.has(`ext:${k}`)) ext[k] = e.ParamValue ?? "";
  }
  const sched: Json = { ...SCHEDULER_DEFAULTS };
  for (const [k, v] of Object.entries(scheduler))
    if (!blank(v) && k !== "UpstreamDependencyConfigList") sched[k] = stripNulls(v);
  for (const k of SCHEDULER_LISTS) if (Array.isArray(sched[k]) && (sched[k] as unknown[]).length === 0) delete sched[k];
  const upstream = ((scheduler.UpstreamDependencyConfigList as Array<{ TaskId?: string }> | null | undefined) ?? [])
    .map((d) => d.TaskId ?? "")
    .sort();
  const fields = clean({
    TaskName: base.TaskName,
    TaskTypeId: base.TaskTypeId === undefined || base.TaskTypeId === null ? undefined : String(base.TaskTypeId),
    OwnerUin: owned.has("OwnerUin") ? base.OwnerUin : undefined,
    TaskDescription: base.TaskDescription,
    TaskFolderPath: base.TaskFolderPath === "/" ? undefined : base.TaskFolderPath,
    ...Object.fromEntries(CONFIG_SCALARS.map((k) => [k, owned.has(k) ? config[k] : undefined])),
    TaskSchedulingParameterList: stripNulls(config.TaskSchedulingParameterList),
    TaskExtConfigurationList: Object.keys(ext).length ? ext : undefined,
    UpstreamDependencyConfigList: upstream,
    ...sched,
  });
  const bytes = typeof config.CodeContent === "string" ? Buffer.from(config.CodeContent, "base64") : Buffer.alloc(0);
  return { fields, code: decode(config.CodeContent), codeBytes: bytes.toString("base64") };
}

/** The keys compared for a task: those the code sets now and those wedata-kit wrote before (`applied`). */
export const comparedKeys = (desired: TaskPayload, applied?: readonly string[]) =>
  new Set([...ownedKeysOf(desired), ...(applied ?? [])]);

export const comparableDesiredTask = (
  p: TaskPayload,
  owned: ReadonlySet<string> = new Set(ownedKeysOf(p)),
): ComparableTask =>
  comparableTask(
    p.TriggerTaskBaseAttribute as unknown as Json,
    p.TriggerTaskConfiguration as unknown as Json,
    p.TriggerTaskSchedulerConfiguration as unknown as Json,
    owned,
  );

export const comparableRemoteTask = (r: RemoteTask, owned: ReadonlySet<string>): ComparableTask =>
  comparableTask(
    r.TriggerTaskBaseAttribute as unknown as Json,
    r.TriggerTaskConfiguration as unknown as Json,
    r.TriggerTaskSchedulerConfiguration as unknown as Json,
    owned,
  );

/** A digest of a comparable task: what the deploy-state record keeps of what was applied. */
export const comparableDigest = (c: ComparableTask) => sha256(canonicalJson({ fields: c.fields, code: c.codeBytes }));

/** Optional workflow settings compared only when the code sets them (the server fills its own otherwise). */
const WORKFLOW_OPTIONAL = ["OwnerUin", "SchedulerStatus", "TriggerMode", "ExecuteUserUin", "BundleId"];

/**
 * A workflow in comparable shape. Optional settings count only when the code sets them and the remote
 * reports them (`remote`): WeData does not echo every one (e.g. `TriggerMode`).
 */
export function comparableWorkflow(source: Json, desired: WorkflowPayload, remote: Json): Record<string, unknown> {
  const schedules = ((source.TriggerWorkflowSchedulerConfigurations as Json[] | null | undefined) ?? []).map((c) => {
    const { TriggerId: _id, ExtraInfo: _x, ...rest } = c;
    return clean(stripNulls(rest) as Json);
  });
  const bundleInfo =
    workflowOwner(source.BundleInfo as string | undefined) === undefined ? source.BundleInfo : undefined;
  const out: Json = clean({
    WorkflowName: source.WorkflowName,
    WorkflowDesc: source.WorkflowDesc,
    WorkflowParams: stripNulls(source.WorkflowParams),
    TriggerWorkflowSchedulerConfigurations: schedules,
    GeneralTaskParams: stripNulls(source.GeneralTaskParams),
    TriggerWorkflowRunConfiguration: source.TriggerWorkflowRunConfiguration
      ? clean(stripNulls(source.TriggerWorkflowRunConfiguration) as Json)
      : undefined,
    BundleInfo: bundleInfo,
  });
  if (out.TriggerWorkflowRunConfiguration && Object.keys(out.TriggerWorkflowRunConfiguration as Json).length === 0)
    delete out.TriggerWorkflowRunConfiguration;
  for (const k of WORKFLOW_OPTIONAL)
    if ((desired as Json)[k] !== undefined && !blank(remote[k]) && !blank(source[k])) out[k] = source[k];
  return out;
}

export const comparableRemoteWorkflow = (d: RemoteWorkflowDetail, desired: WorkflowPayload) =>
  comparableWorkflow(d as unknown as Json, desired, d as unknown as Json);
export const comparableDesiredWorkflow = (p: WorkflowPayload, remote: RemoteWorkflowDetail) =>
  comparableWorkflow(p as unknown as Json, p, remote as unknown as Json);

export interface FieldChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** Field-level differences between two comparable records: `{ path, from, to }` per changed leaf. */
export function diffFields(from: Record<string, unknown>, to: Record<string, unknown>, prefix = ""): FieldChange[] {
  const out: FieldChange[] = [];
  for (const k of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
    const a = from[k];
    const b = to[k];
    const path = prefix ? `${prefix}.${k}` : k;
    const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObj(a) && isObj(b)) out.push(...diffFields(a as Json, b as Json, path));
    else if (!sameJson(a ?? null, b ?? null)) out.push({ path, from: a ?? null, to: b ?? null });
  }
  return out;
}

/** Whether two JSON values are equal as canonical JSON would say (object key order and undefined members ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    return a.length === y.length && a.every((v, i) => sameJson(v ?? null, y[i] ?? null));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x).filter((k) => x[k] !== undefined);
  const ky = Object.keys(y).filter((k) => y[k] !== undefined);
  return kx.length === ky.length && kx.every((k) => k in y && sameJson(x[k], y[k]));
}
