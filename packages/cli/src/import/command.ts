import { WedataKitError } from "@wedata-kit/dsl";
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import {
  cacheTaskReads,
  planDeployment,
  RateLimitedCaller,
  readWorkflows,
  UnknownWorkflowError,
  type ReadWorkflows,
  type RemoteState,
  type RemoteWorkflow,
  type WedataApi,
} from "@wedata-kit/deployer";
import type { TargetConfig } from "@wedata-kit/dsl";
import { checkOutputFolder } from "@wedata-kit/files";
import { Project, SyntaxKind } from "ts-morph";
import { buildProject, BuildError } from "../compile-project.js";
import { readFindings } from "../findings-file.js";
import { cacheStore } from "../project-files.js";
import {
  generateImport,
  importDifferences,
  type GeneratedImport,
  type LossyField,
  type SourceTask,
  type SourceWorkflow,
} from "@wedata-kit/importer";

export interface ImportOptions {
  /** Project root (the folder of wedata.config.ts). */
  readonly root: string;
  readonly configFile: string;
  /** Configured pipeline files, relative to the root as written in the config. */
  readonly configuredPipelines: readonly string[];
  readonly targetName: string;
  readonly target: TargetConfig;
  /** The project name in ownership marks. */
  readonly project: string;
  /** Workflow names to import; all when empty. */
  readonly workflows: readonly string[];
  /** Output folder relative to the root. */
  readonly outDir: string;
  readonly rate?: number;
  /** Keep the code even when it does not reproduce everything (otherwise nothing is left written). */
  readonly allowLossy: boolean;
}

export interface ImportReport {
  readonly generated: GeneratedImport;
  readonly workflows: readonly string[];
  readonly tasks: number;
  /** Differences between what the written code compiles to and the remote, per resource. */
  readonly lossy: readonly LossyField[];
  /** Diagnostics when the written code does not compile (an import defect; never expected). */
  readonly buildError?: BuildError;
  /** Whether the files were kept (false: lossy without --allow-lossy, or not compiling; nothing is left). */
  readonly kept: boolean;
  /** Whether `pipelines` in wedata.config.ts now lists the files. */
  readonly configUpdated: boolean;
  /** Remote tasks whose latest version is not submitted (the next deploy submits them). */
  readonly unsubmitted: readonly string[];
  readonly calls: number;
}

export class ImportError extends WedataKitError {
  constructor(message: string) {
    super("E_IMPORT", message);
  }
}

/**
 * Read workflows and their tasks, write them as DSL code, then prove it: compile what was written and
 * plan it against what was read. Every difference is reported as lossy, with the task it concerns.
 */
export async function importProject(api: WedataApi, o: ImportOptions): Promise<ImportReport> {
  const out = relative(o.root, resolve(o.root, o.outDir));
  if (out === "" || out.startsWith("..") || isAbsolute(out))
    throw new ImportError(
      `--out ${o.outDir} must be a folder inside the project (${o.root}), so the code can reference its programs`,
    );
  checkOutputFolder(o.root, out, "--out");
  const caller = new RateLimitedCaller(api, o.rate ? { rate: o.rate } : {});
  const ProjectId = o.target.projectId;
  // The same remote read a plan makes (TaskFolderPath from the list, owners by their marks).
  let readBack: ReadWorkflows;
  try {
    readBack = await readWorkflows(caller, ProjectId, o.workflows);
  } catch (e) {
    if (e instanceof UnknownWorkflowError) throw new ImportError(e.message);
    throw e;
  }
  const selected = [...new Set(o.workflows.length ? o.workflows : readBack.all.map((w) => w.name))];
  const selectedIds = new Set(readBack.state.workflows.map((w) => w.id));
  const detailOf = new Map(readBack.state.workflows.map((w) => [w.id, w.detail as unknown as Record<string, unknown>]));
  const details: SourceWorkflow[] = readBack.all.map((w) => ({
    id: w.id,
    name: w.name,
    detail: detailOf.get(w.id) ?? {},
  }));
  const records = readBack.state.tasks;

  const generated = generateImport({
    workflows: details,
    selected,
    tasks: records.map(
      (r): SourceTask => ({ id: r.id, workflowId: r.workflowId, task: r.task as unknown as Record<string, unknown> }),
    ),
    // Without the target's projectIdentifier, every input keeps its description as read (the default needs it).
    ...(o.target.projectIdentifier !== undefined && { projectIdent: o.target.projectIdentifier }),
    serverKeys: Object.values(readFindings(o.root, o.targetName)?.serverKeys ?? {}).flat(),
    outDir: out.split(sep).join("/"),
  });
  const clashes = [...new Set([...generated.pipelineFiles, ...generated.files.keys()])].filter((f) =>
    existsSync(join(o.root, f)),
  );
  if (clashes.length)
    throw new ImportError(
      `refusing to overwrite ` +
        `${clashes.slice(0, 5).join(", ")}${clashes.length > 5 ? ` and ${clashes.length - 5} more` : ""}; move them ` +
        `away or pass another --out`,
    );
  // Every folder on the way is checked (no link out of the project), and no file is ever overwritten.
  for (const f of generated.files.keys()) checkOutputFolder(o.root, dirname(f), "--out");
  for (const [f, content] of generated.files) {
    mkdirSync(dirname(join(o.root, f)), { recursive: true });
    writeFileSync(join(o.root, f), content, { flag: "wx" });
  }

  // The proof: compile exactly the files written, and plan them against what was read.
  const lossy: LossyField[] = [...generated.lossy];
  let buildError: BuildError | undefined;
  // The code reads secret values from the environment: the proof provides them, as the user will.
  const savedEnv = new Map(generated.secrets.map((x) => [x.name, process.env[x.name]]));
  for (const x of generated.secrets) process.env[x.name] = x.value;
  try {
    const build = await buildProject({
      cwd: o.root,
      target: o.targetName,
      pipelineFiles: generated.pipelineFiles.map((f) => resolve(o.root, f)),
    });
    // Workflows the code names by id (Run Workflow targets left out of the import) are known by id only.
    const existing = readBack.all
      .filter((w) => !selectedIds.has(w.id) && build.compiled.workflows.some((c) => c.existingId === w.id))
      .map((w) => ({ id: w.id, name: w.name, folder: "/", detail: {} as RemoteWorkflow["detail"] }));
    const remote: RemoteState = {
      ...readBack.state,
      workflows: [...readBack.state.workflows, ...existing],
      // Folders are not part of the proof: every imported resource already lives in its folder.
      workflowFolders: new Set(["/", ...build.compiled.workflowFolders]),
      taskFolders: new Set(),
    };
    const plan = planDeployment(build.compiled, remote, { project: o.project });
    lossy.push(...importDifferences(plan, generated.skipped));
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    buildError = e;
  } finally {
    for (const [k, v] of savedEnv)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
  const kept = !buildError && (lossy.length === 0 || o.allowLossy);
  let configUpdated = false;
  if (kept) {
    configUpdated = addPipelines(o.configFile, o.configuredPipelines, generated.pipelineFiles);
    cacheTaskReads(cacheStore(o.root, o.targetName, ProjectId), records);
  } else {
    for (const f of generated.files.keys()) rmSync(join(o.root, f), { force: true });
    removeEmptyFolders(o.root, [...generated.files.keys()]);
  }
  return {
    generated,
    kept,
    workflows: selected,
    tasks: records.length,
    lossy,
    ...(buildError && { buildError }),
    configUpdated,
    unsubmitted: records
      .filter((r) => !r.submitted)
      .map((r) => `${details.find((w) => w.id === r.workflowId)?.name}/${r.name}`),
    calls: Object.values(caller.counts).reduce((a, b) => a + b, 0),
  };
}

/** Remove the folders an abandoned import created (deepest first), when they are empty. */
function removeEmptyFolders(root: string, files: readonly string[]) {
  const folders = new Set<string>();
  for (const f of files) for (let d = dirname(f); d !== "." && d !== "/" && d !== ""; d = dirname(d)) folders.add(d);
  for (const d of [...folders].sort((a, b) => b.length - a.length)) {
    try {
      if (readdirSync(join(root, d)).length === 0) rmdirSync(join(root, d));
    } catch {
      // Already gone.
    }
  }
}

/**
 * List the generated files in `pipelines` of wedata.config.ts, editing the array literal in place
 * (formatting and comments kept). Returns false when the config computes the list some other way.
 */
function addPipelines(configFile: string, configured: readonly string[], files: readonly string[]): boolean {
  const root = dirname(configFile);
  const missing = files.filter((f) => !configured.some((c) => resolve(root, c) === resolve(root, f)));
  if (missing.length === 0) return true;
  const project = new Project({ useInMemoryFileSystem: false, skipAddingFilesFromTsConfig: true });
  const sf = project.addSourceFileAtPath(configFile);
  const prop = sf.getDescendantsOfKind(SyntaxKind.PropertyAssignment).find((p) => p.getName() === "pipelines");
  const array = prop?.getInitializerIfKind(SyntaxKind.ArrayLiteralExpression);
  if (!array) return false;
  array.addElements(missing.map((f) => JSON.stringify(f)));
  sf.saveSync();
  return true;
}
