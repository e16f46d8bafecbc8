import { createInterface } from "node:readline/promises";
import { askMissing, printNextSteps, type Prompt, ScaffoldError, scaffold } from "create-wedata-kit";
import { type Io, UsageError } from "./io.js";

export interface InitOptions {
  readonly dir: string;
  readonly name?: string;
  readonly projectId?: string;
  readonly prodProjectId?: string;
  readonly region?: string;
  readonly yes: boolean;
  /** Answers questions instead of the terminal (tests). */
  readonly prompt?: Prompt;
}

/** `wedata init`: add wedata-kit to an existing folder; files already there are kept (package.json extended). */
export async function initCommand(o: InitOptions, io: Io): Promise<number> {
  const given = {
    ...(o.name !== undefined && { name: o.name }),
    ...(o.projectId !== undefined && { devProjectId: o.projectId }),
    ...(o.prodProjectId !== undefined && { prodProjectId: o.prodProjectId }),
    ...(o.region !== undefined && { region: o.region }),
  };
  let answers = given;
  if (!o.yes && (o.prompt || (process.stdin.isTTY && !process.env.CI))) {
    const rl = o.prompt ? undefined : createInterface({ input: process.stdin, output: process.stdout });
    const ask: Prompt =
      o.prompt ??
      (async (q, fallback) =>
        (await (rl as NonNullable<typeof rl>).question(`${q} (${fallback}): `)).trim() || fallback);
    try {
      answers = await askMissing(given, o.dir, ask);
    } finally {
      rl?.close();
    }
  }
  try {
    const result = scaffold({ dir: o.dir, mode: "init", ...answers });
    io.out(`Added wedata-kit to ${result.name} in ${result.dir}\n`);
    printNextSteps(result, io.out);
    return 0;
  } catch (e) {
    if (e instanceof ScaffoldError) throw new UsageError(e.message);
    throw e;
  }
}
