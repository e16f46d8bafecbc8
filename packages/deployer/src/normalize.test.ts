import { describe, expect, it } from "vitest";
import { canonicalJson } from "@wedata-kit/compiler";
import { sameJson } from "./normalize.js";

describe("sameJson", () => {
  it("agrees with canonical JSON on equal and unequal values", () => {
    const values: unknown[] = [
      null,
      0,
      1,
      "",
      "1",
      true,
      false,
      [],
      [1, 2],
      [2, 1],
      [1, undefined],
      [1, null],
      {},
      { a: 1 },
      { a: 1, b: undefined },
      { b: 2, a: 1 },
      { a: 1, b: 2 },
      { a: [{ x: 1, y: [1, { z: "q" }] }] },
      { a: [{ y: [1, { z: "q" }], x: 1 }] },
      { a: [{ x: 1, y: [1, { z: "r" }] }] },
      { ParamKey: "k", ParamValue: "" },
    ];
    for (const a of values)
      for (const b of values)
        expect(sameJson(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
          canonicalJson(a) === canonicalJson(b),
        );
  });
});
