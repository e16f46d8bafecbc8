import { describe, expect, it } from "vitest";
import { fileBase, isIdentifier, variableName } from "./names.js";

describe("import names", () => {
  it("turns WeData names into readable, valid, unique variable names", () => {
    const taken = new Set<string>();
    const names = [
      "load-orders",
      "load_orders",
      "1st_step",
      "delete",
      "class",
      "task",
      "数据加载",
      "a b.c",
      "",
      "__",
      "await",
    ];
    const vars = names.map((n) => variableName(n, taken));
    expect(vars).toEqual([
      "loadOrders",
      "loadOrders2",
      "_1stStep",
      "delete_",
      "class_",
      "task_",
      "数据加载",
      "aBC",
      "t",
      "t2",
      "await_",
    ]);
    for (const v of vars) {
      expect(isIdentifier(v)).toBe(true);
      // A real parse: the name works as a declaration.
      expect(() => new Function(`"use strict"; const ${v} = 1; return ${v};`)).not.toThrow();
    }
  });

  it("gives file names that are safe and unique without regard to case", () => {
    const taken = new Set<string>();
    expect(["Daily", "daily", "a/b", "con", "订单-load", "a:b"].map((n) => fileBase(n, taken))).toEqual([
      "Daily",
      "daily_2",
      "a_b",
      "con_",
      "订单-load",
      "a_b_2",
    ]);
  });
});
