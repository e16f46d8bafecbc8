import { configure } from "safe-stable-stringify";
import { describe, expect, it } from "vitest";
import { canonicalJson, canonicalText, freezeCanonical } from "./canonical.js";
import { seededRandom } from "../../../test/helpers.js";

// What canonicalJson writes for a value nobody froze: the reference the remembered texts must equal.
const reference = (v: unknown) =>
  `${configure({ deterministic: true, bigint: false, circularValue: Error })(v, null, 2)}\n`;

/** Seeded random JSON-like values: keys in any order, index-like keys, escapes, surrogates, odd numbers. */
function randomValue(seed: number) {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const keys = ["b", "a", "B", "Z", "_", "10", "9", "0", "01", "é", "键", "ParamKey", "\u{1F600}", "a b", '"q"', ""];
  const strings = [
    "",
    "x",
    'quote " and \\ slash',
    "line\nbreak\t",
    "\u0000\u001f",
    "\ud800 lone",
    "日本語",
    "\u{1F600}",
  ];
  const leaf = (): unknown =>
    pick([
      () => pick(strings),
      () => pick([0, -0, 1, -1.5, 1e21, 2 ** 53, 0.1 + 0.2, Number.NaN, Number.POSITIVE_INFINITY]),
      () => pick([true, false, null, undefined]),
    ])();
  const make = (depth: number): unknown => {
    if (depth > 3 || rnd() < 0.3) return leaf();
    if (rnd() < 0.35) return Array.from({ length: Math.floor(rnd() * 4) }, () => make(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rnd() * 5); i > 0; i--) o[pick(keys)] = make(depth + 1);
    return o;
  };
  const root: Record<string, unknown> = {};
  for (let i = 1 + Math.floor(rnd() * 5); i > 0; i--) root[pick(keys)] = make(0);
  return root;
}

/** Freeze some of the objects and arrays in a value as they are (keys out of order included), seeded. */
function freezeSome<T>(value: T, seed: number): T {
  const rnd = seededRandom(seed);
  const walk = (v: unknown) => {
    if (v === null || typeof v !== "object") return;
    for (const x of Object.values(v)) walk(x);
    if (rnd() < 0.4) Object.freeze(v);
  };
  walk(value);
  return value;
}

describe("freezeCanonical", () => {
  it("remembers exactly the text canonicalJson writes, for values of every shape", () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const value = randomValue(seed);
      const expected = reference(value);
      const kept = freezeCanonical(structuredClone(value));
      expect(canonicalJson(kept), `seed ${seed}`).toBe(expected);
      expect(reference(kept), `seed ${seed}`).toBe(expected);
      expect(canonicalText(structuredClone(value)), `seed ${seed}`).toBe(expected);
      // Parts frozen before, in any order, inside parts that are not and the other way round.
      const partly = freezeCanonical(freezeSome(structuredClone(value), seed));
      expect(canonicalJson(partly), `seed ${seed}, partly frozen`).toBe(expected);
    }
  });

  it("sorts keys written out of order, freezes all the way down, and keeps frozen parts as they are", () => {
    const shared = Object.freeze({ z: 1, a: Object.freeze({ y: 2, b: 3 }) });
    const value = { Top: { Run: 6, Max: 4, Allow: "ALL" }, list: [{ b: 1, a: 2 }], shared };
    const kept = freezeCanonical(value);
    expect(Object.keys(kept.Top)).toEqual(["Allow", "Max", "Run"]);
    expect(Object.keys(kept.list[0]!)).toEqual(["a", "b"]);
    expect(kept.shared).toBe(shared);
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.Top) && Object.isFrozen(kept.list[0])).toBe(true);
    expect(canonicalJson(kept)).toBe(reference(value));
  });

  it("writes a class instance inside a value as canonicalJson does", () => {
    const value = { when: new Date(0), n: 1 };
    expect(canonicalJson(freezeCanonical(value))).toBe(reference({ when: new Date(0), n: 1 }));
  });
});
