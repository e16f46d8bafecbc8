import { describe, expect, it } from "vitest";
import { parseDataTime, timeParameter } from "./time-params.js";

// WeData's "Time Parameter Description": the base 20210710080000 and its documented examples first.
const base = parseDataTime("20210710080000")!;

describe("WeData time parameters", () => {
  it.each([
    ["yyyyMMdd-1M", "20210610"],
    ["yyyyMMdd-1d", "20210709"],
    ["yyyyMMddHHmmss-3h", "20210710050000"],
    ["yyyyMMddHHmmss-25m", "20210710073500"],
    ["yyyyMMdd", "20210710"],
    ["yyyy-MM-dd", "2021-07-10"],
    ["HH:mm:ss", "08:00:00"],
    ["yyyyMMddHHmmss", "20210710080000"],
    ["yy", "21"],
    ["yyyyMMdd+1y", "20220710"],
    ["yyyyMMdd-2y", "20190710"],
    ["yyyyMMdd+2M", "20210910"],
    ["yyyyMMdd+1w", "20210717"],
    ["yyyyMMdd-1w", "20210703"],
    ["yyyyMMdd+30d", "20210809"],
    ["yyyyMMddHHmmss+3H", "20210710110000"],
    ["yyyyMMddHHmmss-8h", "20210710000000"],
    ["yyyyMMddHHmmss+90m", "20210710093000"],
    ["yyyyMMdd+TE", "20210710"],
    ["yyyyMMdd+TS", "20210701"],
    ["yyyyMMdd+ME", "20210731"],
    ["yyyyMMdd+MS", "20210701"],
    ["yyyyMMdd+QE", "20210930"],
    ["yyyyMMdd+HYE", "20211231"],
    ["yyyyMMdd+HYS", "20210701"],
    ["yyyyMMdd+YE", "20211231"],
    ["yyyyMMdd+YS", "20210101"],
    ["yyyyMMdd+PME", "20210630"],
    ["yyyyMMdd+PYE", "20201231"],
    ["timestamp", "1625875200"],
    ["timestamp_ms", "1625875200000"],
    ["timestamp -1d", "1625788800"],
    ["timestamp_ms-1d", "1625788800000"],
  ])("${%s} -> %s", (expr, value) => expect(timeParameter(expr, base)).toBe(value));

  it("month arithmetic clamps to the month's last day, and leap years count", () => {
    expect(timeParameter("yyyyMMdd-1M", parseDataTime("20240331")!)).toBe("20240229");
    expect(timeParameter("yyyyMMdd+1y", parseDataTime("20240229")!)).toBe("20250228");
    expect(timeParameter("yyyyMMdd+PME", parseDataTime("20240315")!)).toBe("20240229");
    expect(timeParameter("yyyyMMdd+TE", parseDataTime("20240225")!)).toBe("20240229");
    expect(timeParameter("yyyyMMdd-1d", parseDataTime("20260101")!)).toBe("20251231");
  });

  it("leaves what is not a time parameter to the parameter names", () => {
    for (const expr of ["bizdate", "expected_rows", "yyyyMMdd+XYZ", "timestamp+1q", "env"])
      expect(timeParameter(expr, base)).toBeUndefined();
  });

  it("reads the --date forms and refuses dates that do not exist", () => {
    expect(parseDataTime("2026-11-28T02:00")).toEqual({
      year: 2026,
      month: 11,
      day: 28,
      hour: 2,
      minute: 0,
      second: 0,
    });
    expect(parseDataTime("2026-11-28")).toEqual({ year: 2026, month: 11, day: 28, hour: 0, minute: 0, second: 0 });
    expect(parseDataTime("2026-02-30")).toBeUndefined();
    expect(parseDataTime("2026-11-28T24:00")).toBeUndefined();
  });
});
