import { resolve } from "node:path";
import { renderOutput, renderSnapshot } from "@wedata-kit/compiler";
import { OwnedFolder } from "@wedata-kit/files";
import pc from "picocolors";
import { buildProject } from "./compile-project.js";
import { type Io, UsageError } from "./io.js";
import { MAX_OUTPUT_FILE, OUTPUT_SPEC, SNAPSHOT_SPEC } from "./project-files.js";
import { staleFiles } from "./snapshot-io.js";

export interface CompileCommandOptions {
  readonly cwd: string;
  readonly target?: string;
  readonly out?: string;
  readonly snapshot: string | false;
  readonly check: boolean;
  readonly typecheck: boolean;
}

/** `wedata compile`: check the project, refresh the snapshot (or check it with --check), write payloads. */
export async function compileCommand(opts: CompileCommandOptions, io: Io): Promise<number> {
  const build = await buildProject({
    cwd: resolve(opts.cwd),
    ...(opts.target && { target: opts.target }),
    typecheck: opts.typecheck,
  });
  const c = build.compiled;
  const root = build.loaded.root;
  if (opts.check) {
    if (opts.snapshot === false)
      throw new UsageError("--check compares the snapshot; it cannot be combined with --no-snapshot");
    const folder = OwnedFolder.inspect(root, opts.snapshot, SNAPSHOT_SPEC);
    const onDisk = folder?.readTexts(MAX_OUTPUT_FILE) ?? { files: new Map<string, string>(), strangers: [] };
    const stale = [
      ...staleFiles(renderSnapshot(c), onDisk.files),
      ...onDisk.strangers.map((path) => ({ path, why: "foreign" as const })),
    ];
    const shown = folder?.shown ?? opts.snapshot;
    if (stale.length > 0) {
      io.err(
        `${pc.red("error")}: the snapshot in ${shown} is stale (${stale.length} file(s)); run \`wedata ` +
          `compile\` and commit it:\n`,
      );
      for (const f of stale)
        io.err(
          `  ${f.why.padEnd(7)} ` +
            `${shown}/${f.path}${f.why === "foreign" ? " (not written by wedata-kit: move it out)" : ""}\n`,
        );
      return 1;
    }
    io.out(`snapshot is up to date (${c.workflows.length} workflow(s), ${c.tasks.length} task(s))\n`);
    return 0;
  }
  // Both folders are checked before either is written: a refusal leaves everything as it was.
  const out = opts.out ? OwnedFolder.open(root, opts.out, OUTPUT_SPEC) : undefined;
  const snapshot = opts.snapshot === false ? undefined : OwnedFolder.open(root, opts.snapshot, SNAPSHOT_SPEC);
  out?.sync(renderOutput(c), MAX_OUTPUT_FILE);
  const changed = snapshot ? snapshot.sync(renderSnapshot(c), MAX_OUTPUT_FILE) : 0;
  io.out(
    `compiled ${c.workflows.length} workflow(s) and ${c.tasks.length} task(s) for target ${build.targetName} ` +
      `(project ` +
      `${c.target.projectId})` +
      `${snapshot ? `; snapshot ${snapshot.shown}: ${changed} file(s) changed` : ""}` +
      `${out ? `; payloads in ${out.shown}` : ""}\n`,
  );
  return 0;
}
