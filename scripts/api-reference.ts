/**
 * docs/API.md from the documentation comments of the DSL's public builders: every function a pipeline file
 * calls and every method of the task and workflow builders, with the WeData field it sets and an example.
 * `npm run docs` writes it; a test fails when the committed file is stale or a builder lacks either.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type JSDoc, Node, Project } from "ts-morph";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
export const API_FILE = "docs/API.md";

/** The functions a pipeline or config file calls, in the order a reader meets them. */
const FUNCTIONS = [
  ["task.ts", "task"],
  ["workflow.ts", "workflow"],
  ["workflow.ts", "existingWorkflow"],
  ["config.ts", "defineConfig"],
  ["target.ts", "byTarget"],
  ["target.ts", "currentTarget"],
  ["env.ts", "env"],
] as const;
const BUILDERS = [
  ["task.ts", "TaskBuilder", "task(...)"],
  ["workflow.ts", "WorkflowBuilder", "workflow(...)"],
] as const;

export interface ApiEntry {
  readonly section: string;
  readonly name: string;
  readonly signature: string;
  readonly text: string;
  readonly examples: readonly string[];
  /** WeData API fields the entry names (`OwnerUin`, `TaskTypeId 35`, ...). */
  readonly fields: readonly string[];
}

/** WeData request fields are PascalCase (`RetryWaitMinute`, `TaskExtConfigurationList`), or a TaskTypeId. */
function fieldsOf(text: string, extKeys: boolean): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/`([A-Z][A-Za-z]+(?:\.[A-Za-z]+)*)`/g)) if (m[1]) found.add(m[1]);
  for (const m of text.matchAll(/TaskTypeId \d+/g)) found.add(m[0]);
  // Extension keys (`TaskExtConfigurationList`): dotted, snake_case or camelCase.
  if (extKeys)
    for (const m of text.matchAll(/`([a-z]+(?:\.[a-z]+)+|[a-z]+_[a-z_]+|[a-z]+[A-Z][A-Za-z]*)`/g))
      if (m[1]) found.add(`ext:${m[1]}`);
  return [...found];
}

function docOf(docs: readonly JSDoc[]): { text: string; examples: string[] } {
  const text: string[] = [];
  const examples: string[] = [];
  for (const d of docs) {
    const description = d.getDescription().trim();
    if (description) text.push(description);
    for (const tag of d.getTags()) {
      const body = (tag.getCommentText() ?? "").trim();
      if (tag.getTagName() === "example") examples.push(body);
      else if (Node.isJSDocParameterTag(tag)) text.push(`- \`${tag.getName()}\`: ${oneLine(body)}`);
    }
  }
  return {
    text: text
      .join("\n")
      .replace(/\s*\n\s*(?!-)/g, " ")
      .trim(),
    examples,
  };
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/** A function's or method's parameters as written. */
const paramsOf = (n: { getParameters(): ReadonlyArray<{ getText(): string }> }) =>
  n
    .getParameters()
    .map((p) => p.getText())
    .join(", ");

export function collectApi(): ApiEntry[] {
  const project = new Project({ skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: false } });
  const src = (f: string) => project.addSourceFileAtPath(join(repoRoot, "packages/dsl/src", f));
  const entries: ApiEntry[] = [];
  for (const [file, name] of FUNCTIONS) {
    const fn = src(file).getFunctionOrThrow(name);
    const { text, examples } = docOf(fn.getJsDocs());
    const params = paramsOf(fn);
    entries.push({
      section: "Functions",
      name: `${name}()`,
      signature: oneLine(`${name}(${params}): ${fn.getReturnTypeNode()?.getText() ?? "void"}`),
      text,
      examples,
      fields: fieldsOf(text, false),
    });
  }
  for (const [file, iface, receiver] of BUILDERS) {
    for (const m of src(file).getInterfaceOrThrow(iface).getMembers()) {
      if (!Node.isMethodSignature(m)) continue;
      const { text, examples } = docOf(m.getJsDocs());
      const params = paramsOf(m);
      entries.push({
        section: `${iface} (${receiver})`,
        name: `.${m.getName()}()`,
        signature: oneLine(`.${m.getName()}(${params})`),
        text,
        examples,
        fields: fieldsOf(text, true),
      });
    }
  }
  return entries;
}

export function renderApi(entries: readonly ApiEntry[]): string {
  const out = [
    "# wedata-kit DSL: API reference",
    "",
    "Generated from the documentation comments in `packages/dsl/src` by `npm run docs`; CI fails when this",
    "file is stale. Every builder method below names the WeData API field it sets (`CreateTriggerTask`,",
    "API version 2025-08-06) and shows an example.",
    "",
  ];
  const sections = [...new Set(entries.map((e) => e.section))];
  out.push(
    "Contents:",
    ...sections.map(
      (s) =>
        `- [${s}](#${s
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-")})`,
    ),
    "",
  );
  for (const section of sections) {
    out.push(`## ${section}`, "");
    for (const e of entries.filter((x) => x.section === section)) {
      out.push(`### \`${e.name}\``, "", "```ts", e.signature, "```", "");
      if (e.text) out.push(e.text, "");
      if (e.fields.length) out.push(`WeData: ${e.fields.map((f) => `\`${f}\``).join(", ")}`, "");
      for (const ex of e.examples) out.push("```ts", ex, "```", "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(repoRoot, API_FILE), renderApi(collectApi()));
  console.log(`wrote ${API_FILE}`);
}
