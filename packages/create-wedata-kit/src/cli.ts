import { relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import {
  DEFAULT_REGION,
  PLACEHOLDER_DEV_PROJECT,
  PLACEHOLDER_PROD_PROJECT,
  projectName,
  type ScaffoldOptions,
  type ScaffoldResult,
  ScaffoldError,
  scaffold,
} from "./scaffold.js";

/** Asks one question; resolves to the answer, or the default on an empty line. */
export type Prompt = (question: string, fallback: string) => Promise<string>;

/** The values a scaffold is made with, from flags or answers. */
export type Answers = Pick<ScaffoldOptions, "name" | "devProjectId" | "prodProjectId" | "region">;

/** Ask for each value no flag gave (only on a terminal, and never in CI). */
export async function askMissing(given: Answers, dir: string, ask: Prompt): Promise<Answers> {
  return {
    name: given.name ?? (await ask("Project name", projectName(resolve(dir).split(/[\\/]/).pop() ?? ""))),
    devProjectId: given.devProjectId ?? (await ask("WeData ProjectId of the dev target", PLACEHOLDER_DEV_PROJECT)),
    prodProjectId: given.prodProjectId ?? (await ask("WeData ProjectId of the prod target", PLACEHOLDER_PROD_PROJECT)),
    region: given.region ?? (await ask("Region", DEFAULT_REGION)),
  };
}

const terminalPrompt = (): { ask: Prompt; close: () => void } => {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return {
    ask: async (q, fallback) => (await rl.question(`${q} (${fallback}): `)).trim() || fallback,
    close: () => rl.close(),
  };
};

export function printNextSteps(r: ScaffoldResult, out: (text: string) => void, cwd = process.cwd()): void {
  const where = relative(cwd, r.dir) || ".";
  for (const f of r.written) out(`  created  ${f}\n`);
  for (const e of r.extended) out(`  added    ${e.file}: ${e.added.join(", ")}\n`);
  for (const f of r.kept) out(`  kept     ${f} (yours, unchanged)\n`);
  out("\nNext:\n");
  if (where !== ".") out(`  cd ${where}\n`);
  out("  npm install\n  npm run deploy   # no credentials: the embedded local WeData emulator\n  npm test\n");
  if (r.kept.includes("tsconfig.json"))
    out('\nYour tsconfig.json was kept: for the editor and `npm test`, it needs "types": ["node"] and NodeNext.\n');
}

const USAGE = `Usage: npm create wedata-kit@latest [folder] -- [options]

Scaffolds a wedata-kit project: a pipeline with two tasks and their scripts, dev and prod targets,
a test, a tsconfig, .gitignore, a CI workflow and a README.

Options:
  --name <name>             project name and ownership mark (default: the folder's name)
  --project-id <id>         WeData ProjectId of the dev target (default: a placeholder for the emulator)
  --prod-project-id <id>    WeData ProjectId of the prod target
  --region <region>         e.g. ap-guangzhou (default)
  -y, --yes                 ask nothing; use the defaults for what no flag gives
  -h, --help                show this
`;

/** `create-wedata-kit [folder] [options]`; returns the exit code. */
export async function createMain(
  argv: readonly string[],
  io: { out: (t: string) => void; err: (t: string) => void; prompt?: Prompt } = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  },
  mode: ScaffoldOptions["mode"] = "create",
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    io.err(`error: one folder at most, got ${positionals.join(" ")}\n`);
    return 1;
  }
  const dir = positionals[0] ?? (mode === "init" ? "." : "my-pipelines");
  const given: Answers = {
    ...(values.name !== undefined && { name: values.name }),
    ...(values["project-id"] !== undefined && { devProjectId: values["project-id"] }),
    ...(values["prod-project-id"] !== undefined && { prodProjectId: values["prod-project-id"] }),
    ...(values.region !== undefined && { region: values.region }),
  };
  try {
    await scaffoldAsked({ dir, mode, given, yes: values.yes === true }, io);
    return 0;
  } catch (e) {
    if (!(e instanceof ScaffoldError)) throw e;
    io.err(`error: ${e.message}\n`);
    return 1;
  }
}

/**
 * Ask for what no flag gave (on a terminal outside CI, or through `io.prompt`, unless `yes`), write the project,
 * and print what was done and what to run next. Throws `ScaffoldError` for a project that cannot be made.
 * `create-wedata-kit` and `wedata init` both run this.
 */
export async function scaffoldAsked(
  o: { dir: string; mode: ScaffoldOptions["mode"]; given: Answers; yes: boolean },
  io: { out: (t: string) => void; prompt?: Prompt },
): Promise<ScaffoldResult> {
  let answers = o.given;
  if (!o.yes && (io.prompt !== undefined || (process.stdin.isTTY && !process.env.CI))) {
    const terminal = io.prompt ? undefined : terminalPrompt();
    try {
      answers = await askMissing(o.given, o.dir, io.prompt ?? (terminal as { ask: Prompt }).ask);
    } finally {
      terminal?.close();
    }
  }
  const result = scaffold({ dir: o.dir, mode: o.mode, ...answers });
  io.out(`${o.mode === "create" ? "Created" : "Added wedata-kit to"} ${result.name} in ${result.dir}\n`);
  printNextSteps(result, io.out);
  return result;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: "string" },
      "project-id": { type: "string" },
      "prod-project-id": { type: "string" },
      region: { type: "string" },
      yes: { type: "boolean", short: "y" },
      help: { type: "boolean", short: "h" },
    },
  });
}
