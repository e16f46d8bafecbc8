import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "@wedata-kit/compiler";

/**
 * Type-check the user's pipeline files (and what they import) with ts-morph, reporting TypeScript
 * errors as diagnostics `E_TS<code>`. Uses the project's tsconfig.json when there is one.
 */
export async function typecheckFiles(root: string, files: readonly string[]): Promise<Diagnostic[]> {
  const { Project, ts } = await import("ts-morph");
  const tsconfig = join(root, "tsconfig.json");
  const project = existsSync(tsconfig)
    ? new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true })
    : new Project({
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          moduleResolution: ts.ModuleResolutionKind.Bundler,
          allowImportingTsExtensions: true,
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
      });
  for (const f of files) project.addSourceFileAtPath(f);
  project.resolveSourceFileDependencies();
  const out: Diagnostic[] = [];
  for (const d of project.getPreEmitDiagnostics()) {
    const sf = d.getSourceFile();
    // Only the user's own files: libraries are checked by their own builds.
    if (!sf || sf.getFilePath().includes("/node_modules/") || !sf.getFilePath().startsWith(`${root}/`)) continue;
    const start = d.getStart() ?? 0;
    const { line, column } = sf.getLineAndColumnAtPos(start);
    const text = d.getMessageText();
    out.push({
      code: `E_TS${d.getCode()}`,
      message: typeof text === "string" ? text : text.getMessageText(),
      loc: { file: sf.getFilePath(), line, column },
      hint: "fix the TypeScript error; the builder API is fully typed",
    });
  }
  return out;
}
