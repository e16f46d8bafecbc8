import { describe, expect, it } from "vitest";
import { outputValue, resolveParams, substitute } from "./params.js";
import { parseDataTime } from "./time-params.js";

const base = parseDataTime("2026-11-28T02:00")!;

describe("parameter substitution", () => {
  it("replaces parameters by name and time parameters by value, and lists what it could not resolve", () => {
    const s = substitute(
      "dt=${bizdate} day=${yyyy-MM-dd-1d} n=${n} ${unknown} $HOME ${ yyyyMMdd }",
      new Map([
        ["bizdate", "20261128"],
        ["n", "42"],
      ]),
      base,
    );
    expect(s.text).toBe("dt=20261128 day=2026-11-27 n=42 ${unknown} $HOME 20261128");
    expect(s.unresolved).toEqual(["${unknown}"]);
  });
  it("resolves parameters in order, each may use time parameters and earlier ones", () => {
    const r = resolveParams(
      [
        ["bizdate", "${yyyyMMdd-1d}"],
        ["path", "cos://b/dt=${bizdate}"],
      ],
      base,
      new Map([["env", "dev"]]),
    );
    expect(Object.fromEntries(r.values)).toEqual({ env: "dev", bizdate: "20261127", path: "cos://b/dt=20261127" });
  });
});

describe("output parameters over a task's result", () => {
  const stdout = "123,234,1234\n5,6,7\n\n";
  it.each([
    ["$[0]", "123"],
    ["$[0][0]", "123"],
    ["$[1][2]", "7"],
    ["$[0][*]", "123,234,1234"],
    ["$[*][1]", "234,6"],
    ["$[*][*]", '[["123","234","1234"],["5","6","7"]]'],
    ["$[5][0]", ""],
    ["a constant", "a constant"],
  ])("%s -> %s", (def, value) => expect(outputValue(def, stdout)).toBe(value));
  it("splits on tabs when a line has them", () => expect(outputValue("$[0][1]", "a,b\tc\n")).toBe("c"));
});
