import { describe, expect, it } from "vitest";
import { lazyLocation } from "./index.js";

describe("lazyLocation", () => {
  it("works its location out once, on first read, and reads as plain data", () => {
    let computed = 0;
    const loc = lazyLocation(() => {
      computed++;
      return { file: "/p/pipeline.ts", line: 12, column: 5 };
    });
    expect(computed).toBe(0);
    expect(Object.keys(loc)).toEqual(["file", "line", "column"]);
    expect(computed).toBe(0);
    expect(JSON.stringify(loc)).toBe('{"file":"/p/pipeline.ts","line":12,"column":5}');
    expect({ ...loc }).toEqual({ file: "/p/pipeline.ts", line: 12, column: 5 });
    expect(Object.entries(loc)).toEqual([
      ["file", "/p/pipeline.ts"],
      ["line", 12],
      ["column", 5],
    ]);
    expect(computed).toBe(1);
    expect(Object.isFrozen(loc)).toBe(true);
    expect(() => {
      (loc as { line: number }).line = 1;
    }).toThrow(TypeError);
    expect(loc.line).toBe(12);
  });

  it("keeps each location's own value apart from the others'", () => {
    const locs = Array.from({ length: 50 }, (_, i) => lazyLocation(() => ({ file: `/f${i}.ts`, line: i, column: 1 })));
    expect(locs.map((l) => `${l.file}:${l.line}`)).toEqual(locs.map((_, i) => `/f${i}.ts:${i}`));
  });
});
