/**
 * The type-check itself, apart from the record and the thread that runs it: the worker loads only this module
 * (and TypeScript), not the compiler and its schemas.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Diagnostic } from "@wedata-kit/compiler";

export type Outcome = {
  diagnostics: Diagnostic[];
  checked: string[];
  /** TypeScript's record of this check (`.tsbuildinfo`), for the next check to redo only what changed. */
  buildInfo?: string;
};

/**
 * The TypeScript compiler, loaded with `require`: it is a CommonJS module of about 9 MB, and an ESM import
 * would also scan it for its export names. (ts-morph, which the importer uses, wraps every file and
 * diagnostic and keeps its own copy of the library declarations: a 10,000-task check took half a second
 * longer.)
 */
export const loadTypescript = (): typeof import("typescript") => createRequire(import.meta.url)("typescript");

const NO_TSCONFIG_OPTIONS = {
  target: "ES2022",
  module: "ESNext",
  moduleResolution: "Bundler",
  allowImportingTsExtensions: true,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
  // Pipelines run on Node, not in a browser: the DOM's declarations are a third of the parse time.
  lib: ["ES2023"],
};

/**
 * One check with the TypeScript compiler: the diagnostics of the user's files, and every file it read.
 * Incremental: given the record of an earlier check (`buildInfo`), files that did not change, and do not
 * depend on one that did, keep their earlier result instead of being checked again.
 */
export async function runTypecheck(root: string, files: readonly string[], buildInfo?: string): Promise<Outcome> {
  const ts = loadTypescript();
  const tsconfig = join(root, "tsconfig.json");
  let configProblems: readonly import("typescript").Diagnostic[] = [];
  let options: import("typescript").CompilerOptions;
  if (existsSync(tsconfig)) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      tsconfig,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          configProblems = [d];
        },
      },
    );
    // The files are the pipelines and what they import, not the tsconfig's own list (18003: it matched none).
    configProblems = [...configProblems, ...(parsed?.errors ?? []).filter((d) => d.code !== 18003)];
    options = parsed?.options ?? {};
  } else {
    const converted = ts.convertCompilerOptionsFromJson(NO_TSCONFIG_OPTIONS, root);
    configProblems = converted.errors;
    options = converted.options;
  }
  const out: Diagnostic[] = [];
  for (const d of configProblems) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    out.push({
      code: `E_TS${d.code}`,
      message: ts.flattenDiagnosticMessageText(d.messageText, " "),
      loc: { file: d.file?.fileName ?? tsconfig, line: 1, column: 1 },
      hint: "fix tsconfig.json; the type-check reads its compiler options",
    });
  }
  if (out.length > 0) return { diagnostics: out, checked: [] };
  // The record lives where the caller keeps it; TypeScript only sees it under this name.
  const infoFile = join(root, ".wedata", "state", "typecheck-build.json");
  // Nothing is ever written but that record: a project that builds with its tsconfig is only checked here.
  const incremental = { ...options, noEmit: true, incremental: true, tsBuildInfoFile: infoFile };
  const host = ts.createIncrementalCompilerHost(incremental);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => (f === infoFile ? buildInfo : readFile(f));
  let program: import("typescript").EmitAndSemanticDiagnosticsBuilderProgram;
  try {
    program = ts.createIncrementalProgram({ rootNames: [...files], options: incremental, host });
  } catch (e) {
    // A record TypeScript cannot read (edited, from elsewhere) only costs a fresh check.
    if (buildInfo === undefined) throw e;
    return runTypecheck(root, files);
  }
  // What ts.getPreEmitDiagnostics gathers, asked of the incremental program (which answers from its record).
  const all = ts.sortAndDeduplicateDiagnostics([
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSemanticDiagnostics(),
    ...(options.declaration || options.composite ? program.getDeclarationDiagnostics() : []),
  ]);
  for (const d of all) {
    const sf = d.file;
    // Only the user's own files: libraries are checked by their own builds.
    if (!sf || sf.fileName.includes("/node_modules/") || !sf.fileName.startsWith(`${root}/`)) continue;
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
    out.push({
      code: `E_TS${d.code}`,
      message: typeof d.messageText === "string" ? d.messageText : d.messageText.messageText,
      loc: { file: sf.fileName, line: line + 1, column: character + 1 },
      hint: "fix the TypeScript error; the builder API is fully typed",
    });
  }
  const checked = program
    .getSourceFiles()
    .map((sf) => sf.fileName)
    .filter((p) => !p.includes("/node_modules/"));
  let next: string | undefined;
  // With noEmit, emitting writes only the record.
  program.emit(undefined, (f, text) => {
    if (f === infoFile) next = text;
  });
  return { diagnostics: out, checked, ...(next !== undefined && { buildInfo: next }) };
}
