import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

/** Where a builder call was written in the user's code. `file` is absolute until the compiler makes it relative. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const dslDir = dirname(fileURLToPath(import.meta.url));
const framePattern = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/** The first stack frame outside this package: the user's builder call. */
export function callerLocation(): SourceLocation {
  const stack = new Error().stack ?? "";
  for (const raw of stack.split("\n").slice(1)) {
    const m = framePattern.exec(raw.trim());
    if (!m) continue;
    // Loaders may add a query (`?v=2`) to re-import edited files; it is not part of the path.
    let file = m[1]!.replace(/\?.*$/, "");
    if (file.startsWith("file://")) file = fileURLToPath(file);
    if ((file.startsWith(dslDir) && !file.endsWith(".test.ts")) || file.startsWith("node:") || file.includes("/node_modules/")) continue;
    return Object.freeze({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return Object.freeze({ file: "<unknown>", line: 0, column: 0 });
}
