import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { WedataKitError } from "@wedata-kit/dsl/errors";
import { redactSecrets } from "@wedata-kit/compiler/redact";
import { Command, CommanderError } from "commander";
import pc from "picocolors";
import type { CompileCommandOptions } from "./compile-command.js";

/**
 * Everything the CLI holds beyond this file is loaded when its command runs: `--help` and `--version`
 * load no compiler, SDK, ts-morph or emulator.
 */
const SNAPSHOT_DIR = "wedata.snapshot";
const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} must be a whole number of 0 or more, got "${value}"`);
  return n;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}

export type { Io } from "./io.js";
import { type Io, UsageError } from "./io.js";

const defaultIo: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

async function printDiagnostics(io: Io, e: { diagnostics: readonly import("@wedata-kit/compiler").Diagnostic[] }) {
  const { formatDiagnostic } = await import("@wedata-kit/compiler");
  for (const d of e.diagnostics) io.err(`${formatDiagnostic(d).replace(/error\[/, `${pc.red("error")}[`)}\n`);
  io.err(`${pc.red(`${e.diagnostics.length} problem${e.diagnostics.length === 1 ? "" : "s"}`)}; nothing was written\n`);
}

/** Run the CLI; returns the exit code. */
export async function main(argv: readonly string[], rawIo: Io = defaultIo): Promise<number> {
  // Everything the CLI prints passes the shared redactor, error messages included.
  const io: Io = { out: (t) => rawIo.out(redactSecrets(t)), err: (t) => rawIo.err(redactSecrets(t)) };
  let code = 0;
  /** A command's module, once compile warnings print through this run's output. */
  const load = async <M>(module: Promise<M>): Promise<M> => {
    const [{ onCompileWarning }, { formatDiagnostic }] = await Promise.all([
      import("./compile-project.js"),
      import("@wedata-kit/compiler"),
    ]);
    onCompileWarning((d) => io.err(`${formatDiagnostic(d).replace(/warning\[/, `${pc.yellow("warning")}[`)}\n`));
    return module;
  };
  const program = new Command()
    .name("wedata")
    .description("WeData trigger workflows as code: compile, plan, deploy")
    .version(VERSION, "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  /** The options every project command takes, declared once: the project folder and the target. */
  const projectCommand = (name: string, targetHelp = "target from wedata.config.ts", parent: Command = program) =>
    parent
      .command(name)
      .option("--cwd <dir>", "project folder (holding wedata.config.ts)", process.cwd())
      .option("-t, --target <name>", targetHelp);

  projectCommand("compile")
    .description("check the project, refresh the review snapshot, and optionally write the request payloads")
    .option(
      "-o, --out <dir>",
      "also write the exact request payloads and a manifest here (relative to the project root)",
    )
    .option("--snapshot <dir>", "review snapshot folder, relative to the project root", SNAPSHOT_DIR)
    .option("--no-snapshot", "do not touch the snapshot")
    .option("--check", "write nothing; exit 1 listing the snapshot files that are stale", false)
    .option("--no-typecheck", "skip the TypeScript check of pipeline files")
    .action(async (opts: CompileCommandOptions) => {
      const { compileCommand } = await load(import("./compile-command.js"));
      code = await compileCommand(opts, io);
    });

  // What every command that talks to a target takes; plan and deploy add what changes the code carries.
  const connectionOptions = (c: Command) =>
    c
      .option("--rate <n>", "requests per second per API action", "20")
      .option("--concurrency <n>", "requests in flight per API action")
      .option("--retries <n>", "attempts per request before it counts as failed (default 10, about 30 s of backoff)")
      .option("--no-typecheck", "skip the TypeScript check of pipeline files")
      .option("--json", "machine-readable output", false);
  const targetOptions = (c: Command) =>
    connectionOptions(c)
      .option("--no-submit", "leave created and updated tasks as drafts")
      .option("--prune", "also delete tasks and workflows this project created that left the code", false)
      .option(
        "--allow-delete <workflow>",
        "with --prune: a workflow that may be deleted whole (repeatable)",
        (v: string, prev: string[]) => [...prev, v],
        [] as string[],
      )
      .option(
        "--allow-mass-delete",
        "with --prune: confirm deleting more tasks than --max-deletes or --max-delete-percent",
        false,
      )
      .option("--max-deletes <n>", "task deletions allowed without --allow-mass-delete (default 10)")
      .option(
        "--max-delete-percent <p>",
        "share of the deployed tasks that may be deleted without --allow-mass-delete (default 20)",
      );
  type TargetOpts = {
    cwd: string;
    target?: string;
    rate: string;
    concurrency?: string;
    retries?: string;
    submit: boolean;
    typecheck: boolean;
    prune: boolean;
    json: boolean;
    allowDelete: string[];
    allowMassDelete: boolean;
    maxDeletes?: string;
    maxDeletePercent?: string;
  };
  const common = (o: TargetOpts) => ({
    cwd: resolve(o.cwd),
    ...(o.target && { target: o.target }),
    rate: positiveInt(o.rate, "--rate"),
    ...(o.concurrency && { concurrency: positiveInt(o.concurrency, "--concurrency") }),
    ...(o.retries && { attempts: positiveInt(o.retries, "--retries") }),
    submit: o.submit,
    typecheck: o.typecheck,
    prune: o.prune,
    json: o.json,
    allowDelete: o.allowDelete,
    allowMassDelete: o.allowMassDelete,
    ...(o.maxDeletes !== undefined && { maxDeletes: nonNegativeInt(o.maxDeletes, "--max-deletes") }),
    ...(o.maxDeletePercent !== undefined && {
      maxDeletePercent: nonNegativeInt(o.maxDeletePercent, "--max-delete-percent"),
    }),
    onWarning: (message: string) => io.err(`${pc.yellow("warning")}: ${message}\n`),
  });

  targetOptions(
    projectCommand("plan").description("compare the code with what is deployed and show what deploy would do"),
  )
    .option(
      "--detailed-exitcode",
      "exit 2 when there are changes, 3 when deletions are among them (applied or held back)",
      false,
    )
    .option("--format <format>", "text, markdown (for pull requests) or json", "text")
    .option("--out <file>", "save the plan with fingerprints of the code and remote, for deploy --plan")
    .action(async (o: TargetOpts & { detailedExitcode: boolean; format: string; out?: string }) => {
      const { planCommand } = await load(import("./deploy-command.js"));
      code = await planCommand(
        {
          ...common(o),
          detailedExitcode: o.detailedExitcode,
          format: oneOf(o.format, ["text", "markdown", "json"], "--format"),
          ...(o.out && { out: resolve(o.out) }),
        },
        io,
      );
    });

  targetOptions(projectCommand("deploy").description("compile, plan, confirm and apply"))
    .option("-y, --yes", "apply without asking (required in CI and without a terminal)", false)
    .option("--plan <file>", "apply exactly a plan saved by `wedata plan --out`; refused if the code or remote moved")
    .option(
      "--take-over",
      "write tasks that carry another wedata-kit project's ownership mark, making them this project's",
      false,
    )
    .option("--no-lock", "do not take the project's deploy lock on the target (only where no other deployer can run)")
    .action(async (o: TargetOpts & { yes: boolean; plan?: string; takeOver: boolean; lock: boolean }, cmd: Command) => {
      const given = (name: string) => cmd.getOptionValueSource(name) === "cli";
      const explicit = {
        ...(o.target !== undefined && { target: o.target }),
        ...(given("prune") && { prune: o.prune }),
        ...(given("submit") && { submit: o.submit }),
      };
      const { deployCommand } = await load(import("./deploy-command.js"));
      code = await deployCommand(
        {
          ...common(o),
          yes: o.yes,
          explicit,
          takeOver: o.takeOver,
          noLock: !o.lock,
          ...(o.plan && { planFile: resolve(o.plan) }),
        },
        io,
      );
    });

  connectionOptions(
    projectCommand("destroy").description(
      "delete every task and workflow this project created on the target (nothing else)",
    ),
  )
    .option("-y, --yes", "delete without asking (required in CI and without a terminal)", false)
    .option("--no-lock", "do not take the project's deploy lock on the target (only where no other deployer can run)")
    .action(
      async (
        o: Omit<TargetOpts, "submit" | "prune" | "allowDelete" | "allowMassDelete"> & { yes: boolean; lock: boolean },
      ) => {
        const { deployCommand } = await load(import("./deploy-command.js"));
        code = await deployCommand(
          {
            ...common({ ...o, submit: false, prune: true, allowDelete: [], allowMassDelete: false }),
            yes: o.yes,
            prune: true,
            destroy: true,
            submit: false,
            noLock: !o.lock,
          },
          io,
        );
      },
    );

  projectCommand("doctor")
    .description(
      "check on the target the facts wedata-kit relies on that no documentation settles (a scratch workflow, always " +
        "removed)",
    )
    .option(
      "--sample-task <id>",
      "a Run Workflow task made in the WeData console: read the extension keys it names its workflow with",
    )
    .action(async (o: { cwd: string; target?: string; sampleTask?: string }) => {
      const { doctorCommand } = await load(import("./doctor-command.js"));
      code = await doctorCommand(
        {
          cwd: resolve(o.cwd),
          ...(o.target && { target: o.target }),
          ...(o.sampleTask && { sampleTask: o.sampleTask }),
        },
        io,
      );
    });

  const lock = program.command("lock").description("the project's deploy lock on the target: one deployer at a time");
  for (const [name, description] of [
    ["status", "show who holds the lock, since when and until when"],
    ["release", "remove the lock; --force removes another deployer's (a killed run whose lock has not expired yet)"],
  ] as const) {
    const sub = projectCommand(name, undefined, lock).description(description);
    if (name === "release") sub.option("--force", "remove the lock whoever holds it", false);
    sub.action(async (o: { cwd: string; target?: string; force?: boolean }) => {
      const { lockCommand } = await load(import("./lock-command.js"));
      code = await lockCommand(
        name,
        { cwd: resolve(o.cwd), ...(o.target && { target: o.target }), force: o.force === true },
        io,
      );
    });
  }

  projectCommand("import")
    .description(
      "write existing WeData workflows, their tasks and scripts as DSL code, and prove it plans with no changes",
    )
    .option("-w, --workflow <names...>", "workflows to import (default: every workflow of the project)")
    .option("--out <dir>", "folder for the generated files, relative to the project root", "pipelines")
    .option("--allow-lossy", "keep the code even when it cannot reproduce every remote field", false)
    .option("--rate <n>", "requests per second per API action", "20")
    .action(
      async (o: {
        cwd: string;
        target?: string;
        workflow?: string[];
        out: string;
        allowLossy: boolean;
        rate: string;
      }) => {
        const [{ loadTargetConfig }, { connectTarget }, { importProject, ImportError }, { printImportReport }] =
          await Promise.all([
            load(import("./compile-project.js")),
            import("./connect.js"),
            import("./import/command.js"),
            import("./import/report.js"),
          ]);
        const { FileSafetyError } = await import("@wedata-kit/files");
        const { config, targetName, targetConfig: target } = await loadTargetConfig(resolve(o.cwd), o.target);
        const connection = await connectTarget(config.root, target);
        try {
          const report = await importProject(connection.api, {
            root: config.root,
            configFile: config.configFile,
            configuredPipelines: config.config.pipelines,
            targetName,
            target,
            project: config.config.name ?? projectFolderName(config.root),
            workflows: o.workflow ?? [],
            outDir: o.out,
            allowLossy: o.allowLossy,
            rate: positiveInt(o.rate, "--rate"),
          });
          code = printImportReport(
            report,
            { projectId: target.projectId, out: o.out, allowLossy: o.allowLossy, root: config.root },
            io,
          );
        } catch (e) {
          if (e instanceof ImportError || e instanceof FileSafetyError) {
            io.err(`${pc.red("error")}: ${redactSecrets(e.message)}\n`);
            code = 1;
          } else throw e;
        } finally {
          await connection.close();
        }
      },
    );

  const collect = (v: string, prev: string[]) => [...prev, v];
  projectCommand("run", "target from wedata.config.ts (its project identifier appears in parameters)")
    .description(
      "run a workflow on this machine: the programs deploy would send, with WeData's parameters, retries, timeouts " +
        "and trigger policies",
    )
    .option("-w, --workflow <name>", "the workflow to run (default: the only one)")
    .option(
      "--task <name>",
      "run only this task (repeatable); with --upstream/--downstream, and those around it",
      collect,
      [],
    )
    .option("--upstream", "with --task: also the tasks it depends on", false)
    .option("--downstream", "with --task: also the tasks that depend on it", false)
    .option("--date <time>", "the data time, e.g. 2026-11-28 or 2026-11-28T02:00 (default: today 00:00, UTC+8)")
    .option(
      "--param <name=value>",
      "set a parameter, over workflow, scheduling and input parameters (repeatable)",
      collect,
      [],
    )
    .option("--concurrency <n>", "tasks running at once", "4")
    .option(
      "--stand-in <task[=output:value,...]>",
      "do not run this task (or every task of a kind: kind:dlcSql): count it as succeeded with these outputs " +
        "(repeatable)",
      collect,
      [],
    )
    .option(
      "--env <name[=value]>",
      "pass an environment variable to the tasks (repeatable); the environment is otherwise clean",
      collect,
      [],
    )
    .option("--ssh-local", "run SSH tasks here instead of on their host", false)
    .option("--retry-wait <seconds>", "wait between attempts instead of each task's RetryWaitMinute")
    .option("--dry-run", "resolve parameters and render the programs; run nothing", false)
    .option(
      "--keep",
      `keep this run's folder (.wedata/runs/<id>/) when older runs are pruned (the latest ${20} are kept)`,
      false,
    )
    .option("--no-typecheck", "skip the TypeScript check of pipeline files")
    .action(
      async (o: {
        cwd: string;
        target?: string;
        workflow?: string;
        task: string[];
        upstream: boolean;
        downstream: boolean;
        date?: string;
        param: string[];
        concurrency: string;
        standIn: string[];
        env: string[];
        sshLocal: boolean;
        retryWait?: string;
        dryRun: boolean;
        keep: boolean;
        typecheck: boolean;
      }) => {
        const retryWait = o.retryWait === undefined ? undefined : Number(o.retryWait);
        if (retryWait !== undefined && (!Number.isFinite(retryWait) || retryWait < 0))
          throw new UsageError(`--retry-wait must be a number of seconds, got "${o.retryWait}"`);
        const { runCommand } = await load(import("./run-command.js"));
        code = await runCommand(
          {
            cwd: resolve(o.cwd),
            ...(o.target && { target: o.target }),
            typecheck: o.typecheck,
            ...(o.workflow && { workflow: o.workflow }),
            tasks: o.task,
            upstream: o.upstream,
            downstream: o.downstream,
            ...(o.date && { date: o.date }),
            params: o.param,
            concurrency: positiveInt(o.concurrency, "--concurrency"),
            dryRun: o.dryRun,
            keep: o.keep,
            sshLocal: o.sshLocal,
            standIns: o.standIn,
            ...(retryWait !== undefined && { retryWaitSeconds: retryWait }),
            env: o.env,
          },
          io,
        );
      },
    );

  projectCommand("diff")
    .description(
      "offline: what a change does, between two git revisions or snapshot folders (default: merge base with main vs " +
        "the working tree)",
    )
    .argument("[base]", "git revision or snapshot folder")
    .argument("[head]", "git revision or snapshot folder; default the working tree")
    .option("--format <format>", "text or markdown", "text")
    .option("--snapshot <dir>", "snapshot folder, relative to the project root", SNAPSHOT_DIR)
    .action(
      async (
        base: string | undefined,
        head: string | undefined,
        o: { cwd: string; target?: string; format: string; snapshot: string },
      ) => {
        const { diffCommand } = await load(import("./review-commands.js"));
        const out = await diffCommand({
          cwd: resolve(o.cwd),
          ...(o.target && { target: o.target }),
          format: oneOf(o.format, ["text", "markdown"], "--format"),
          snapshot: o.snapshot,
          ...(base && { base }),
          ...(head && { head }),
        });
        io.out(out);
      },
    );

  projectCommand("graph")
    .description("draw each workflow's DAG")
    .option("-w, --workflow <name>", "only this workflow (and the workflows it runs)")
    .option("--format <format>", "mermaid, dot or svg", "mermaid")
    .action(async (o: { cwd: string; target?: string; workflow?: string; format: string }) => {
      const { graphCommand } = await load(import("./review-commands.js"));
      io.out(
        await graphCommand({
          cwd: resolve(o.cwd),
          ...(o.target && { target: o.target }),
          ...(o.workflow && { workflow: o.workflow }),
          format: oneOf(o.format, ["mermaid", "dot", "svg"], "--format"),
        }),
      );
    });

  program
    .command("init")
    .description(
      "add wedata-kit to this folder: config, a pipeline, a test, tsconfig, CI; files already there are kept",
    )
    .argument("[dir]", "the project folder", ".")
    .option("--name <name>", "project name and ownership mark (default: the folder's name)")
    .option("--project-id <id>", "WeData ProjectId of the dev target (default: a placeholder for the emulator)")
    .option("--prod-project-id <id>", "WeData ProjectId of the prod target")
    .option("--region <region>", "region of both targets, e.g. ap-guangzhou")
    .option("-y, --yes", "ask nothing; use the defaults for what no flag gives", false)
    .action(
      async (
        dir: string,
        o: { name?: string; projectId?: string; prodProjectId?: string; region?: string; yes: boolean },
      ) => {
        const { initCommand } = await import("./init-command.js");
        code = await initCommand({ dir: resolve(dir), ...o }, io);
      },
    );

  program
    .command("emulator")
    .description("run the local WeData emulator in the foreground")
    .option("-p, --port <n>", "port (0 picks a free one)", "9460")
    .option("--host <addr>", "bind address", "127.0.0.1")
    .option("--data <dir>", "keep data in this folder (SQLite); default in memory")
    .option("--rate <n>", "requests per second per action", "20")
    .option("--faults <file>", "fault injection config (JSON)")
    .option(
      "--projects <ids>",
      "comma-separated ProjectIds that exist; others are ResourceNotFound (default: any, from first use)",
    )
    .action(
      async (opts: { port: string; host: string; data?: string; rate: string; faults?: string; projects?: string }) => {
        const { startEmulator } = await import("@wedata-kit/emulator");
        if (!["127.0.0.1", "::1", "localhost"].includes(opts.host)) {
          io.err(
            `${pc.yellow("warning")}: binding the emulator to ${opts.host} exposes it beyond this machine. It is a ` +
              `development tool: its default key pair is published, its data is not protected, and it is not ` +
              `hardened for untrusted networks. Keep it on 127.0.0.1 unless every host that can reach it is ` +
              `trusted.\n`,
          );
        }
        const { readRegularFile } = await import("@wedata-kit/files");
        const faults = opts.faults ? JSON.parse(readRegularFile(opts.faults, 1024 * 1024).toString("utf8")) : undefined;
        const emu = await startEmulator({
          port: Number(opts.port),
          host: opts.host,
          rateLimit: positiveInt(opts.rate, "--rate"),
          ...(opts.data && { dataDir: resolve(opts.data) }),
          ...(faults && { faults }),
          ...(opts.projects && {
            projects: opts.projects
              .split(",")
              .map((p) => p.trim())
              .filter(Boolean),
          }),
        });
        io.out(`listening on ${emu.url}\n`);
        io.out(
          process.env.WEDATA_EMULATOR_SECRET_ID
            ? "accepting the key pair from WEDATA_EMULATOR_SECRET_ID/KEY\n"
            : "accepting the documented local key pair (see README)\n",
        );
        io.out(opts.data ? `data in ${resolve(opts.data)}\n` : "data in memory\n");
        await new Promise<void>((done) => {
          const stop = () => void emu.stop().then(done);
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
      },
    );

  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    code = await reportFailure(e, io);
  }
  return code;
}

const projectFolderName = (root: string) => root.split(/[\\/]/).filter(Boolean).pop() ?? root;

/** The exit code for a failure, after saying what went wrong (every message passes the redactor). */
async function reportFailure(e: unknown, io: Io): Promise<number> {
  if (e instanceof CommanderError) return e.exitCode;
  if (e instanceof WedataKitError && "diagnostics" in e && Array.isArray(e.diagnostics)) {
    await printDiagnostics(io, e as WedataKitError & { diagnostics: [] });
    return 1;
  }
  // The deployer's API failure carries the action, the service's code and the request id.
  if (e instanceof Error && e.name === "ApiCallError") {
    const a = e as Error & { action: string; code?: string; requestId?: string };
    io.err(
      `${pc.red("error")}: ${a.action} failed${a.code ? ` [${a.code}]` : ""}: ` +
        `${a.message}${a.requestId ? ` (RequestId ${a.requestId})` : ""}\n`,
    );
    return 1;
  }
  io.err(`${pc.red("error")}: ${(e as Error).message}\n`);
  return 1;
}
