import { WedataKitError } from "@wedata-kit/dsl";
import { canonicalJson, containsSecret, folderChain, sha256, type CompiledProject } from "@wedata-kit/compiler";
import { TASK_KINDS, type TaskFolderType } from "@wedata-kit/dsl";
import { z } from "zod";
import type { RateLimitedCaller } from "./caller.js";
import { EMPTY_APPLIED, readAppliedState, type AppliedEntry, type AppliedState } from "./applied.js";
import { isLockWorkflow, LOCK_FOLDER, lockWorkflowName } from "./lock-name.js";
import { comparableDesiredTask, comparableDigest, ownedKeysOf } from "./normalize.js";
import { resolveRefs } from "./plan.js";
import { taskOwner, workflowOwner } from "./ownership.js";
import type { RemoteTask, RemoteTaskBase, RemoteWorkflowDetail, RemoteWorkflowInfo } from "./sdk-client.js";

export interface RemoteWorkflow {
  readonly id: string;
  readonly name: string;
  /** Folder, derived from `Path` (`<folder>/<name>`). */
  readonly folder: string;
  readonly detail: RemoteWorkflowDetail;
  /** Project named by the ownership mark (or, for a `bundle()` workflow, the deploy state), if any. */
  readonly owner?: string;
  /** Listed in this project's deploy state. */
  readonly inState?: boolean;
}

export interface RemoteTaskRecord {
  readonly id: string;
  readonly workflowId: string;
  readonly name: string;
  readonly typeId: number;
  readonly version: string;
  /** `LastUpdateTime` as the list reported it. */
  readonly updated: string;
  /** Whether the latest saved version is the submitted one. */
  readonly submitted: boolean;
  /**
   * The task as read by GetTriggerTask, or, when `read` is false, as wedata-kit last applied it: the
   * deploy state showed it unchanged since (same version and update time) and equal to the code.
   */
  readonly task: RemoteTask;
  /** Whether `task` was read from the server (false: known from the deploy state, server keys unknown). */
  readonly read: boolean;
  readonly owner?: string;
  /** What wedata-kit last applied to it, from the deploy state on the target. */
  readonly applied?: AppliedEntry;
  /** Who changed it last (`LastUpdateUserName`), when it was read. */
  readonly updatedBy?: string;
}

/** What exists remotely, read once before planning. */
export interface RemoteState {
  readonly projectId: string;
  readonly workflows: readonly RemoteWorkflow[];
  readonly tasks: readonly RemoteTaskRecord[];
  readonly workflowFolders: ReadonlySet<string>;
  /** `workflowId|TYPE|/path` of existing task folders. */
  readonly taskFolders: ReadonlySet<string>;
  /** Whether the deploy state was found on the target (plans say when it was not). */
  readonly stateFound?: boolean;
}

const PAGE = 200;
/** No list is read past this many pages (2,000,000 items at 200 a page), whatever the server says. */
export const MAX_PAGES = 10_000;
const FOLDER_TYPE_OF = new Map<number, TaskFolderType>(Object.values(TASK_KINDS).map((k) => [k.typeId, k.folderType]));

/** The server answered something no real WeData would: the plan stops, naming what it got. */
export class MisbehavingServerError extends WedataKitError {
  constructor(message: string) {
    super("E_SERVER_MISBEHAVING", message);
  }
}

interface Page<T> {
  Items?: T[] | null;
  TotalPageNumber?: number | null;
  TotalCount?: number | null;
}

/**
 * Reads every page of a list call at the largest page size: the first page tells how many there are,
 * the rest are requested together (the caller's queue paces them), so a long list costs its rate, not
 * its round trips. The page count is checked against the item count and a hard cap before anything is
 * requested: a server answering `TotalPageNumber: 1e9` gets an error, not a billion requests.
 */
export async function listAll<T>(
  fetchPage: (page: number) => Promise<Page<T> | undefined>,
  what = "a list call",
  pageSize = PAGE,
): Promise<T[]> {
  const first = await fetchPage(1);
  const items = (d: Page<T> | undefined, n: number): T[] => {
    if (d?.Items === undefined || d.Items === null) return [];
    if (!Array.isArray(d.Items))
      throw new MisbehavingServerError(
        `${what} answered page ${n} with Items that is not a list: the server is misbehaving, nothing was changed`,
      );
    return d.Items;
  };
  const got = items(first, 1);
  const pages = first?.TotalPageNumber ?? 1;
  const count = first?.TotalCount;
  if (!Number.isSafeInteger(pages) || pages < 1 || pages > MAX_PAGES) {
    throw new MisbehavingServerError(
      `${what} answered TotalPageNumber ${String(pages)}; at most ${MAX_PAGES} pages are read: the server is ` +
        `misbehaving, nothing was changed`,
    );
  }
  if (typeof count === "number") {
    const expected = Math.max(1, Math.ceil(count / pageSize));
    if (!Number.isSafeInteger(count) || count < 0 || pages > expected + 1) {
      throw new MisbehavingServerError(
        `${what} answered TotalPageNumber ${pages} for TotalCount ${count} at PageSize ${pageSize}: the server is ` +
          `misbehaving, nothing was changed`,
      );
    }
  }
  const rest = await Promise.all(
    Array.from({ length: pages - 1 }, (_, i) => fetchPage(i + 2).then((d) => items(d, i + 2))),
  );
  return [...got, ...rest.flat()];
}

export const parentOf = (p: string) => (p.lastIndexOf("/") <= 0 ? "/" : p.slice(0, p.lastIndexOf("/")));
export const folderOfPath = (path: string | null | undefined, name: string) => {
  const p = path ?? `/${name}`;
  return p.endsWith(`/${name}`) ? p.slice(0, -name.length - 1) || "/" : parentOf(p);
};

/** Where the read cache lives; the CLI keeps it in `.wedata/state/`. */
export interface ReadCacheStore {
  /** How messages name it (a file path). */
  readonly name: string;
  load(): string | undefined;
  save(text: string): void;
}

const CACHE_VERSION = 2;
/** One cached task read: valid while the remote's save version and update time are both unchanged. */
const TaskEntrySchema = z.object({
  v: z.string().min(1),
  u: z.string(),
  h: z.string(),
  task: z.object({ TriggerTaskBaseAttribute: z.object({}).passthrough() }).passthrough(),
});
const WorkflowEntrySchema = z.object({
  m: z.string().min(1),
  at: z.number(),
  h: z.string(),
  detail: z.object({}).passthrough(),
});
const CacheSchema = z.object({
  version: z.literal(CACHE_VERSION),
  tasks: z.record(z.string(), z.unknown()),
  workflows: z.record(z.string(), z.unknown()),
});

type TaskEntry = z.infer<typeof TaskEntrySchema>;
type WorkflowEntry = z.infer<typeof WorkflowEntrySchema>;
interface TaskCache {
  tasks: Record<string, TaskEntry>;
  workflows: Record<string, WorkflowEntry>;
}

const taskHash = (v: string, u: string, task: unknown) => sha256(canonicalJson({ v, u, task }));
const workflowHash = (m: string, detail: unknown) => sha256(canonicalJson({ m, detail }));

/**
 * Read the cache as input: a file that does not parse or has the wrong shape is ignored, an entry whose
 * shape or integrity hash is wrong is dropped (and read again from the server), each with a warning
 * naming the file.
 */
function readCache(store: ReadCacheStore | undefined, warn: (message: string) => void): TaskCache {
  const empty: TaskCache = { tasks: {}, workflows: {} };
  if (!store) return empty;
  let text: string | undefined;
  try {
    text = store.load();
  } catch (e) {
    warn(`ignored the read cache ${store.name}: ${(e as Error).message}; everything is read from the server`);
    return empty;
  }
  if (text === undefined) return empty;
  let parsed: z.infer<typeof CacheSchema>;
  try {
    const json: unknown = JSON.parse(text);
    // A cache written by an earlier version of wedata-kit is simply rebuilt.
    if ((json as { version?: unknown } | null)?.version === 1) return empty;
    const r = CacheSchema.safeParse(json);
    if (!r.success)
      throw new Error(
        `${r.error.issues[0]?.path.join(".") || "top level"}: ${r.error.issues[0]?.message ?? "unexpected shape"}`,
      );
    parsed = r.data;
  } catch (e) {
    warn(
      `ignored the read cache ${store.name}: it is not a valid cache (${(e as Error).message}); it is rebuilt from ` +
        `the server`,
    );
    return empty;
  }
  const out: TaskCache = { tasks: {}, workflows: {} };
  let dropped = 0;
  for (const [id, raw] of Object.entries(parsed.tasks)) {
    const e = TaskEntrySchema.safeParse(raw);
    if (e.success && e.data.h === taskHash(e.data.v, e.data.u, e.data.task)) out.tasks[id] = e.data;
    else dropped++;
  }
  for (const [id, raw] of Object.entries(parsed.workflows)) {
    const e = WorkflowEntrySchema.safeParse(raw);
    if (e.success && e.data.h === workflowHash(e.data.m, e.data.detail)) out.workflows[id] = e.data;
    else dropped++;
  }
  if (dropped > 0)
    warn(
      `dropped ${dropped} damaged entr${dropped === 1 ? "y" : "ies"} of the read cache ${store.name} (wrong shape or ` +
        `integrity hash); they are read again from the server`,
    );
  return out;
}

function writeCache(store: ReadCacheStore, cache: TaskCache): void {
  store.save(JSON.stringify({ version: CACHE_VERSION, tasks: cache.tasks, workflows: cache.workflows }));
}

/** A cache entry for a task read, or undefined when it must not be cached (no version, or it holds a secret). */
function taskEntry(version: string, updated: string, task: RemoteTask): TaskEntry | undefined {
  if (!version || containsSecret(task)) return undefined;
  return { v: version, u: updated, h: taskHash(version, updated, task), task: task as unknown as TaskEntry["task"] };
}

/** Add full task reads made elsewhere (e.g. by an import) to the local cache, so the next plan need not read them
 * again. */
export function cacheTaskReads(
  store: ReadCacheStore,
  tasks: readonly RemoteTaskRecord[],
  warn: (message: string) => void = () => {},
): void {
  const cache = readCache(store, warn);
  for (const t of tasks) {
    const e = taskEntry(t.version, t.updated, t.task);
    if (e) cache.tasks[t.id] = e;
  }
  writeCache(store, cache);
}

/** ModifyTime is Beijing time to the second: `yyyy-MM-dd HH:mm:ss`. */
const beijingMs = (t: string) => Date.parse(`${t.replace(" ", "T")}+08:00`);
/**
 * ModifyTime counts whole seconds, so an edit in the same second as a read would leave it unchanged.
 * A cached detail is trusted only when it was read well after that second (3 s, also covering clock
 * skew); a read closer to the change is repeated next time.
 */
const settled = (e: { m: string; at: number }) => Number.isFinite(beijingMs(e.m)) && e.at - beijingMs(e.m) >= 3000;

export interface FetchOptions {
  /** The project name in ownership marks. */
  readonly project: string;
  /**
   * Local cache of full task reads keyed by TaskId and save version: an unchanged version needs no
   * GetTriggerTask. Any remote save bumps the version, so a cached read is never stale. It also keeps
   * workflow details per ModifyTime.
   */
  readonly cache?: ReadCacheStore;
  /** Problems with the cache (it is then ignored in part or whole), for the user to see. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Read the remote state the plan needs: workflows (one list, a Get per workflow whose detail is not
 * cached for its ModifyTime), every
 * task of those workflows (one project-wide list at page size 200, a Get only for tasks whose version
 * is not cached), and the folders the project uses.
 */
export async function fetchRemoteState(
  caller: RateLimitedCaller,
  compiled: CompiledProject,
  opts: FetchOptions,
): Promise<RemoteState> {
  const ProjectId = compiled.target.projectId;
  const read = { retryAmbiguous: true };
  const infos = await listAll<RemoteWorkflowInfo>(
    (PageNumber) =>
      caller.call("ListTriggerWorkflows", { ProjectId, PageNumber, PageSize: PAGE }, read).then((r) => r.Data),
    "ListTriggerWorkflows",
  );
  const managed = new Set(compiled.workflows.filter((w) => w.payload).map((w) => w.name));
  const existingIds = new Set(compiled.workflows.flatMap((w) => (w.existingId ? [w.existingId] : [])));

  const warn = opts.onWarning ?? (() => {});
  const cache = readCache(opts.cache, warn);
  const fresh: TaskCache = { tasks: {}, workflows: {} };
  // The project's bookkeeping workflow (deploy lock and deploy state) is never part of a plan; its state
  // tasks are found in the project-wide task list read below, so they cost one Get each.
  const bookkeeping = infos.find((i) => i.WorkflowName === lockWorkflowName(opts.project))?.WorkflowId;
  const allBases = await listAll<RemoteTaskBase>(
    (PageNumber) =>
      caller.call("ListTriggerTasks", { ProjectId, PageNumber, PageSize: PAGE }, read).then((r) => r.Data),
    "ListTriggerTasks",
  );
  const applied: AppliedState = bookkeeping
    ? await readAppliedState(
        caller,
        ProjectId,
        opts.project,
        allBases.filter((b) => b.WorkflowId === bookkeeping),
        warn,
      )
    : EMPTY_APPLIED;
  // With a deploy state, a workflow the code does not name and the state does not list is none of this
  // project's: it is not read. Without one, every workflow is read to find the project's by their mark.
  const worthReading = (info: RemoteWorkflowInfo) =>
    !applied.found ||
    managed.has(info.WorkflowName ?? "") ||
    existingIds.has(info.WorkflowId ?? "") ||
    applied.workflows.has(info.WorkflowId ?? "");
  const details = await Promise.all(
    infos
      .filter((info) => !isLockWorkflow(info.WorkflowName) && worthReading(info))
      .map(async (info) => {
        const id = info.WorkflowId ?? "";
        // Any change to a workflow moves its ModifyTime: a detail read at the same ModifyTime is current.
        // This covers the workflows of a shared project that the code does not name, too (read only to
        // learn whether this project owns them).
        const known = cache.workflows[id];
        if (known && info.ModifyTime && known.m === info.ModifyTime && settled(known)) {
          fresh.workflows[id] = known;
          return { info, detail: known.detail as RemoteWorkflowDetail };
        }
        const at = Date.now();
        const detail = (await caller.call("GetTriggerWorkflow", { ProjectId, WorkflowId: id }, read)).Data;
        if (detail && info.ModifyTime && !containsSecret(detail))
          fresh.workflows[id] = {
            m: info.ModifyTime,
            at,
            h: workflowHash(info.ModifyTime, detail),
            detail: detail as WorkflowEntry["detail"],
          };
        return detail ? { info, detail } : undefined;
      }),
  );
  const workflows: RemoteWorkflow[] = [];
  for (const d of details) {
    if (!d) continue;
    const { WorkflowName: name = "", WorkflowId: id = "" } = d.info;
    // Owned by its mark, or, for a workflow whose BundleInfo the code sets (`bundle()`), by the deploy state.
    const owner = workflowOwner(d.detail.BundleInfo) ?? (applied.workflows.has(id) ? opts.project : undefined);
    if (!managed.has(name) && !existingIds.has(id) && owner !== opts.project) continue;
    workflows.push({
      id,
      name,
      folder: folderOfPath(d.detail.Path, name),
      detail: d.detail,
      ...(owner !== undefined && { owner }),
      ...(applied.workflows.has(id) && { inState: true }),
    });
  }
  const ofInterest = new Set(workflows.map((w) => w.id));

  const bases = allBases.filter((b) => ofInterest.has(b.WorkflowId));
  const unchanged = unchangedSinceApplied(compiled, workflows, bases, applied);
  const tasks = await Promise.all(
    bases.map(async (b): Promise<RemoteTaskRecord | undefined> => {
      const version = b.TaskLatestVersionNo ?? "";
      const updated = b.LastUpdateTime ?? "";
      const entry = applied.tasks.get(b.TaskId);
      const known = unchanged.get(b.TaskId);
      const common = { ...listed(b), ...(entry && { applied: entry }) };
      // Unchanged since the last deploy and equal to the code: known without a read.
      if (known) return { ...common, task: known, read: false, owner: opts.project };
      // Trusted only for a real version and the same update time: an empty or null version says nothing.
      const cached = cache.tasks[b.TaskId];
      const hit = cached !== undefined && version !== "" && cached.v === version && cached.u === updated;
      const got = hit
        ? (cached.task as unknown as RemoteTask)
        : (await caller.call("GetTriggerTask", { ProjectId, TaskId: b.TaskId }, read)).Data;
      if (!got) return undefined;
      const task = withListedFolder(got, b);
      const cacheEntry = hit ? cached : taskEntry(version, updated, task);
      if (cacheEntry) fresh.tasks[b.TaskId] = cacheEntry;
      // Owned by its mark, or by the deploy state (a service that dropped the mark still has the task listed there).
      const owner =
        taskOwner(task.TriggerTaskConfiguration?.TaskExtConfigurationList) ?? (entry ? opts.project : undefined);
      const updatedBy = task.TriggerTaskBaseAttribute?.LastUpdateUserName ?? undefined;
      return { ...common, task, read: true, ...(owner !== undefined && { owner }), ...(updatedBy && { updatedBy }) };
    }),
  );
  // Rewritten only when it changed: on a large project the cache is tens of megabytes.
  const same = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => a[k] === b[k]);
  // Tasks known from the deploy state keep their cache entries (they were not read this time).
  for (const id of unchanged.keys()) if (cache.tasks[id]) fresh.tasks[id] = cache.tasks[id];
  const cacheSame = same(cache.tasks, fresh.tasks) && same(cache.workflows, fresh.workflows);
  if (opts.cache && !cacheSame) writeCache(opts.cache, fresh);

  // Folders: a folder that holds a remote workflow or task exists (and so do its parents); only the
  // parents of folders not known that way are listed.
  const liveTasks = tasks.filter((t): t is RemoteTaskRecord => t !== undefined);
  const workflowFolders = new Set<string>(["/"]);
  for (const w of workflows) for (const p of folderChain(w.folder)) workflowFolders.add(p);
  const parents = new Set(compiled.workflowFolders.filter((p) => !workflowFolders.has(p)).map(parentOf));
  await Promise.all(
    [...parents].map(async (ParentFolderPath) => {
      const items = await listAll<{ FolderPath?: string }>(
        (PageNumber) =>
          caller
            .call("ListWorkflowFolders", { ProjectId, ParentFolderPath, PageNumber, PageSize: PAGE }, read)
            .then((r) => r.Data),
        "ListWorkflowFolders",
      );
      // The deploy lock's folder is the deployer's own bookkeeping, not part of what a plan compares.
      for (const f of items) if (f.FolderPath && f.FolderPath !== LOCK_FOLDER) workflowFolders.add(f.FolderPath);
    }),
  );
  const taskFolders = new Set<string>();
  for (const t of liveTasks) {
    const type = FOLDER_TYPE_OF.get(t.typeId);
    const path = t.task.TriggerTaskBaseAttribute?.TaskFolderPath;
    if (type && path) for (const p of folderChain(path)) taskFolders.add(`${t.workflowId}|${type}|${p}`);
  }
  const byName = new Map(workflows.map((w) => [w.name, w]));
  const taskParents = new Map<string, { WorkflowId: string; TaskFolderType: string; ParentTaskFolderPath: string }>();
  for (const f of compiled.taskFolders) {
    const existingId = compiled.workflows.find((x) => x.name === f.workflow)?.existingId;
    const w = byName.get(f.workflow) ?? (existingId ? { id: existingId } : undefined);
    if (!w || taskFolders.has(`${w.id}|${f.type}|${f.path}`)) continue;
    const key = `${w.id}|${f.type}|${parentOf(f.path)}`;
    taskParents.set(key, { WorkflowId: w.id, TaskFolderType: f.type, ParentTaskFolderPath: parentOf(f.path) });
  }
  await Promise.all(
    [...taskParents.values()].map(async (q) => {
      const items = await listAll<{ TaskFolderPath?: string }>(
        (PageNumber) =>
          caller.call("ListTaskFolders", { ProjectId, ...q, PageNumber, PageSize: PAGE }, read).then((r) => r.Data),
        "ListTaskFolders",
      );
      for (const f of items)
        if (f.TaskFolderPath) taskFolders.add(`${q.WorkflowId}|${q.TaskFolderType}|${f.TaskFolderPath}`);
    }),
  );

  return { projectId: ProjectId, workflows, tasks: liveTasks, workflowFolders, taskFolders, stateFound: applied.found };
}

/** What a task record takes from its ListTriggerTasks item. */
function listed(b: RemoteTaskBase) {
  return {
    id: b.TaskId,
    workflowId: b.WorkflowId,
    name: b.TaskName ?? "",
    typeId: Number(b.TaskTypeId),
    version: b.TaskLatestVersionNo ?? "",
    updated: b.LastUpdateTime ?? "",
    submitted: b.Submit === true,
  };
}

/** GetTriggerTask leaves TaskFolderPath out (the vendor's example shows it); the list has it. */
function withListedFolder(got: RemoteTask, b: RemoteTaskBase): RemoteTask {
  return got.TriggerTaskBaseAttribute?.TaskFolderPath == null && b.TaskFolderPath
    ? { ...got, TriggerTaskBaseAttribute: { ...got.TriggerTaskBaseAttribute, TaskFolderPath: b.TaskFolderPath } }
    : got;
}

/** `readWorkflows` was asked for a workflow the project does not have. */
export class UnknownWorkflowError extends WedataKitError {
  constructor(message: string) {
    super("E_UNKNOWN_WORKFLOW", message);
  }
}

/** What `readWorkflows` returns: every workflow's name and id, and the chosen ones read in full. */
export interface ReadWorkflows {
  readonly all: ReadonlyArray<{ readonly id: string; readonly name: string }>;
  readonly state: RemoteState;
}

/**
 * Read chosen workflows (all when `names` is empty) and every task of theirs in full, as a plan reads
 * them (TaskFolderPath from the list, owners by their marks): what `wedata import` turns into code. The
 * project's bookkeeping workflows are never among them. A name that does not exist is an error naming
 * what the project has.
 */
export async function readWorkflows(
  caller: RateLimitedCaller,
  projectId: string,
  names: readonly string[],
): Promise<ReadWorkflows> {
  const read = { retryAmbiguous: true };
  const infos = (
    await listAll<RemoteWorkflowInfo>(
      (PageNumber) =>
        caller
          .call("ListTriggerWorkflows", { ProjectId: projectId, PageNumber, PageSize: PAGE }, read)
          .then((r) => r.Data),
      "ListTriggerWorkflows",
    )
  ).filter((i) => !isLockWorkflow(i.WorkflowName));
  const all = infos.map((i) => ({ id: i.WorkflowId ?? "", name: i.WorkflowName ?? "" }));
  const unknown = names.filter((n) => !all.some((w) => w.name === n));
  if (unknown.length > 0) {
    const have = all.map((w) => w.name);
    throw new UnknownWorkflowError(
      `no workflow named ${unknown.map((n) => `"${n}"`).join(", ")} in project ${projectId}; it has ` +
        `${have.slice(0, 20).join(", ") || "none"}${have.length > 20 ? ", ..." : ""}`,
    );
  }
  const chosen = all.filter((w) => names.length === 0 || names.includes(w.name));
  // Read together (the caller's queue paces them), as a plan reads workflow details.
  const details = await Promise.all(
    chosen.map(async (w): Promise<RemoteWorkflow | undefined> => {
      const detail = (await caller.call("GetTriggerWorkflow", { ProjectId: projectId, WorkflowId: w.id }, read)).Data;
      if (!detail) return undefined;
      const owner = workflowOwner(detail.BundleInfo);
      return {
        id: w.id,
        name: w.name,
        folder: folderOfPath(detail.Path, w.name),
        detail,
        ...(owner !== undefined && { owner }),
      };
    }),
  );
  const workflows = details.filter((w): w is RemoteWorkflow => w !== undefined);
  const ids = new Set(workflows.map((w) => w.id));
  const bases = (
    await listAll<RemoteTaskBase>(
      (PageNumber) =>
        caller.call("ListTriggerTasks", { ProjectId: projectId, PageNumber, PageSize: PAGE }, read).then((r) => r.Data),
      "ListTriggerTasks",
    )
  ).filter((b) => ids.has(b.WorkflowId));
  const tasks = await Promise.all(
    bases.map(async (b): Promise<RemoteTaskRecord | undefined> => {
      const got = (await caller.call("GetTriggerTask", { ProjectId: projectId, TaskId: b.TaskId }, read)).Data;
      if (!got) return undefined;
      const task = withListedFolder(got, b);
      const owner = taskOwner(task.TriggerTaskConfiguration?.TaskExtConfigurationList);
      // A list item without name or kind (never seen, but import tolerates it): the full read has them.
      const base = task.TriggerTaskBaseAttribute;
      const named = { name: b.TaskName ?? base.TaskName ?? "", typeId: Number(b.TaskTypeId ?? base.TaskTypeId) };
      return { ...listed(b), ...named, task, read: true, ...(owner !== undefined && { owner }) };
    }),
  );
  const liveTasks = tasks.filter((t): t is RemoteTaskRecord => t !== undefined);
  const workflowFolders = new Set<string>(["/"]);
  for (const w of workflows) for (const p of folderChain(w.folder)) workflowFolders.add(p);
  return { all, state: { projectId, workflows, tasks: liveTasks, workflowFolders, taskFolders: new Set() } };
}

/**
 * The tasks that need no GetTriggerTask: the list shows the version and update time the deploy state
 * recorded (nothing saved them since), and the code, resolved against the remote ids, digests to what
 * was applied then, on the same owned keys. Each comes back as the task that was applied (the code's
 * payload, ids resolved), which is what the remote holds on everything wedata-kit compares.
 */
function unchangedSinceApplied(
  compiled: CompiledProject,
  workflows: readonly RemoteWorkflow[],
  bases: readonly RemoteTaskBase[],
  applied: AppliedState,
): Map<string, RemoteTask> {
  const out = new Map<string, RemoteTask>();
  if (applied.tasks.size === 0) return out;
  const workflowIds = new Map(workflows.map((w) => [w.name, w.id]));
  const nameOf = new Map(workflows.map((w) => [w.id, w.name]));
  const taskIds = new Map<string, string>();
  for (const b of bases) taskIds.set(`${nameOf.get(b.WorkflowId)}/${b.TaskName}`, b.TaskId);
  const byKey = new Map(bases.map((b) => [`${nameOf.get(b.WorkflowId)}/${b.TaskName}`, b]));
  for (const t of compiled.tasks) {
    const b = byKey.get(t.key);
    const e = b && applied.tasks.get(b.TaskId);
    if (!b || !e?.h || !b.TaskLatestVersionNo || e.v !== b.TaskLatestVersionNo || e.u !== (b.LastUpdateTime ?? ""))
      continue;
    if (Number(b.TaskTypeId) !== Number(t.payload.TriggerTaskBaseAttribute.TaskTypeId)) continue;
    const desired = resolveRefs(t.payload, { workflows: workflowIds, tasks: taskIds });
    if (JSON.stringify(desired).includes("(new id of ")) continue;
    const keys = ownedKeysOf(desired);
    if (keys.join("\n") !== [...e.k].sort().join("\n")) continue;
    if (comparableDigest(comparableDesiredTask(desired, new Set(keys))) !== e.h) continue;
    out.set(b.TaskId, {
      ...desired,
      TriggerTaskBaseAttribute: {
        ...desired.TriggerTaskBaseAttribute,
        TaskId: b.TaskId,
        TaskFolderPath: b.TaskFolderPath ?? desired.TriggerTaskBaseAttribute.TaskFolderPath ?? "/",
      },
    } as unknown as RemoteTask);
  }
  return out;
}
