/** Names WeData accepts for tasks and workflows: letters (Chinese included), digits, `_` and `-`, 1..100 characters. */
export const NAME_PATTERN = /^[\p{L}\p{N}_-]+$/u;
export const NAME_MAX = 100;

export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > NAME_MAX) return `is ${name.length} characters long; the limit is ${NAME_MAX}`;
  if (!NAME_PATTERN.test(name)) {
    const bad = [...name].find((c) => !NAME_PATTERN.test(c));
    return `contains ${JSON.stringify(bad)}; use letters, digits, "_" or "-"`;
  }
  return undefined;
}

/** Folder paths are absolute (`/` or `/a/b`), without empty segments or trailing slash. */
export function folderProblem(path: string): string | undefined {
  if (path === "/") return undefined;
  if (!path.startsWith("/")) return "must start with /";
  if (path.endsWith("/")) return "must not end with /";
  for (const seg of path.slice(1).split("/")) {
    if (seg === "") return "has an empty segment (//)";
    if (seg === "." || seg === "..") return `has a "${seg}" segment`;
    if (!NAME_PATTERN.test(seg)) return `segment ${JSON.stringify(seg)} may only hold letters, digits, "_" or "-"`;
  }
  return undefined;
}

/** Parent folders of a path, outermost first, the path itself last: `/a/b` -> [`/a`, `/a/b`]. */
export function folderChain(path: string): string[] {
  if (path === "/") return [];
  const segs = path.slice(1).split("/");
  return segs.map((_, i) => `/${segs.slice(0, i + 1).join("/")}`);
}
