import { type Prompt, ScaffoldError, scaffoldAsked } from "create-wedata-kit";
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
  try {
    await scaffoldAsked(
      { dir: o.dir, mode: "init", given, yes: o.yes },
      { out: io.out, ...(o.prompt && { prompt: o.prompt }) },
    );
    return 0;
  } catch (e) {
    if (e instanceof ScaffoldError) throw new UsageError(e.message);
    throw e;
  }
}
