/** docs/API.md is generated from the builders' documentation comments and must be current and complete. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { API_FILE, collectApi, renderApi, repoRoot } from "../scripts/api-reference.js";
import { task, workflow } from "@wedata-kit/dsl";
import { Project, SyntaxKind } from "ts-morph";

describe("the API reference", () => {
  const entries = collectApi();

  it("is up to date with the documentation comments (run `npm run docs` when this fails)", () => {
    expect(readFileSync(join(repoRoot, API_FILE), "utf8")).toBe(renderApi(entries));
  });

  it("gives every builder method its WeData field and an example, and every function an example", () => {
    const missing = entries.flatMap((e) => [
      ...(e.examples.length === 0 ? [`${e.section} ${e.name}: no @example`] : []),
      ...(e.section !== "Functions" && e.fields.length === 0 ? [`${e.section} ${e.name}: no WeData field`] : []),
    ]);
    expect(missing).toEqual([]);
  });

  it("lists every public method the builders have", () => {
    // The implementation classes' own helpers are `private` in TypeScript, though present at run time.
    const project = new Project({ skipAddingFilesFromTsConfig: true });
    const privateNames = new Set(
      ["task.ts", "workflow.ts"].flatMap((f) =>
        project
          .addSourceFileAtPath(join(repoRoot, "packages/dsl/src", f))
          .getClasses()
          .flatMap((c) => c.getMethods())
          .filter((m) => m.hasModifier(SyntaxKind.PrivateKeyword))
          .map((m) => m.getName()),
      ),
    );
    const methodsOf = (o: object) =>
      Object.getOwnPropertyNames(Object.getPrototypeOf(o)).filter(
        (n) => n !== "constructor" && !privateNames.has(n) && typeof (o as Record<string, unknown>)[n] === "function",
      );
    const documented = new Set(entries.map((e) => `${e.section.split(" ")[0]}${e.name}`));
    const t = task("t");
    const w = workflow("w", { folder: "/f" });
    const undocumented = [
      ...methodsOf(t).map((m) => `TaskBuilder.${m}()`),
      ...methodsOf(w).map((m) => `WorkflowBuilder.${m}()`),
    ].filter((m) => !documented.has(m));
    expect(undocumented).toEqual([]);
  });
});
