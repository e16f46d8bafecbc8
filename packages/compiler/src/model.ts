import type { SourceLocation, TaskFolderType, TaskKind } from "@wedata-kit/dsl";
import type { TaskPayload, WorkflowPayload } from "./schemas.js";
import type { Diagnostic } from "./diagnostics.js";

export interface CompileTarget {
  readonly name: string;
  readonly projectId: string;
  readonly region: string;
  readonly projectIdentifier?: string;
}

/** A module of the user's project, already loaded: its path and its exports. */
export interface LoadedModule {
  readonly file: string;
  readonly exports: Readonly<Record<string, unknown>>;
}

export interface CompileInput {
  /** Absolute project root (the folder of `wedata.config.ts`); code paths resolve against it. */
  readonly root: string;
  readonly modules: readonly LoadedModule[];
  readonly target: CompileTarget;
  /** Reads a code file; the only I/O the compiler does, injected. */
  readonly readFile: (absolutePath: string) => Buffer;
  /** Resolves symlinks, so a link cannot smuggle a file from outside the root. */
  readonly realpath?: (absolutePath: string) => string;
  /**
   * Told once, before the first read, every code file the compile is going to read (absolute, in the order it
   * reads them), so a reader can start on them early. The reads still go through `realpath` and `readFile`.
   */
  readonly readAhead?: (absolutePaths: readonly string[]) => void;
  /** Every task() call made while the modules loaded, to warn about tasks placed in no workflow. */
  readonly created?: ReadonlyArray<{ readonly name: string; readonly origin: SourceLocation }>;
}

interface CompiledWorkflowBase {
  readonly name: string;
  readonly folder?: string;
  readonly hash: string;
  readonly loc: SourceLocation;
  /** The workflow's earlier name (`.renamedFrom()`): the deployer renames it in place. */
  readonly renamedFrom?: string;
}

/** A workflow the project manages: created and updated from its CreateTriggerWorkflow body. */
export interface ManagedCompiledWorkflow extends CompiledWorkflowBase {
  readonly payload: WorkflowPayload;
  readonly existingId?: never;
}

/** An existing workflow the project only places tasks in (`existingWorkflow()`): its remote id. */
export interface ExistingCompiledWorkflow extends CompiledWorkflowBase {
  readonly existingId: string;
  readonly payload?: never;
}

export type CompiledWorkflow = ManagedCompiledWorkflow | ExistingCompiledWorkflow;

export interface CompiledTask {
  /** Logical key `workflow/task`. */
  readonly key: string;
  readonly workflow: string;
  readonly name: string;
  readonly kind: TaskKind;
  readonly folderType: TaskFolderType;
  /** The CreateTriggerTask body, with `$ref:` placeholders for ids not known until deploy. */
  readonly payload: TaskPayload;
  /** Keys of tasks this one references (upstreams and input sources), in declared order. */
  readonly dependsOn: readonly string[];
  /** Workflows this task needs to exist first (its own, and a Run Workflow target). */
  readonly needsWorkflows: readonly string[];
  /** The decoded program text, for readable diffs. */
  readonly code?: string;
  readonly hash: string;
  readonly loc: SourceLocation;
  /** The task's earlier name in its workflow (`.renamedFrom()`): the deployer renames it in place. */
  readonly renamedFrom?: string;
}

export interface TaskFolderDecl {
  readonly workflow: string;
  readonly path: string;
  readonly type: TaskFolderType;
}

/** Everything the deployer needs: payloads, order, folders and where each resource was declared. */
export interface CompiledProject {
  readonly target: CompileTarget;
  readonly workflows: readonly CompiledWorkflow[];
  readonly tasks: readonly CompiledTask[];
  /** Resource keys (`workflow:name`, `task:wf/name`) in dependency order. */
  readonly order: readonly string[];
  readonly workflowFolders: readonly string[];
  readonly taskFolders: readonly TaskFolderDecl[];
  /** What compiled but is likely a mistake: a file exporting no workflow, an empty workflow, a task in none. */
  readonly warnings: readonly Diagnostic[];
}
