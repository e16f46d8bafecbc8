/*
 * WeData's time parameters ("Time Parameter Description"): `${yyyyMMdd}`, `${yyyy-MM-dd HH:mm:ss}`,
 * offsets `${yyyyMMdd-1d}`, `${yyyyMMddHHmmss-3h}`, `${yyyyMMdd+1M}`, shortcuts `${yyyyMMdd+ME}`
 * (month end) and the others of the documented table, and `${timestamp}` / `${timestamp_ms}` with
 * offsets. The base is the instance's data time.
 */

/** A calendar time without a zone: the data time as WeData prints it (Beijing time in the cloud). */
export interface DataTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Parse `2026-11-28`, `2026-11-28T02:00`, `2026-11-28 02:00:00` or `20261128020000`; undefined when it is not a real
 * time. */
export function parseDataTime(text: string): DataTime | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?$/.exec(text.trim());
  if (!m) return undefined;
  const [, year = "", month = "", day = ""] = m;
  const t: DataTime = {
    year: +year,
    month: +month,
    day: +day,
    hour: +(m[4] ?? 0),
    minute: +(m[5] ?? 0),
    second: +(m[6] ?? 0),
  };
  const back = fromMs(toMs(t));
  return back.year === t.year &&
    back.month === t.month &&
    back.day === t.day &&
    t.hour < 24 &&
    t.minute < 60 &&
    t.second < 60
    ? t
    : undefined;
}

// Arithmetic in UTC milliseconds of the wall-clock fields: no zone, no daylight saving, as WeData's
// scheduler (Beijing time, no DST) computes it.
const toMs = (t: DataTime) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
function fromMs(ms: number): DataTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Add months (or years): the day is clamped to the target month's last day (31 March - 1M = 28/29 February). */
function addMonths(t: DataTime, n: number): DataTime {
  const total = t.year * 12 + (t.month - 1) + n;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  return { ...t, year, month, day: Math.min(t.day, daysIn(year, month)) };
}

function shift(t: DataTime, n: number, unit: string): DataTime {
  switch (unit) {
    case "y":
      return addMonths(t, 12 * n);
    case "M":
      return addMonths(t, n);
    case "w":
      return fromMs(toMs(t) + n * 7 * 86_400_000);
    case "d":
      return fromMs(toMs(t) + n * 86_400_000);
    case "h":
    case "H":
      return fromMs(toMs(t) + n * 3_600_000);
    case "m":
      return fromMs(toMs(t) + n * 60_000);
    case "s":
      return fromMs(toMs(t) + n * 1000);
    default:
      throw new Error(`unknown unit ${unit}`);
  }
}

const at = (t: DataTime, year: number, month: number, day: number): DataTime => ({ ...t, year, month, day });
const monthEnd = (t: DataTime, year = t.year, month = t.month) => at(t, year, month, daysIn(year, month));
const tenday = (t: DataTime, end: boolean) => {
  const start = t.day <= 10 ? 1 : t.day <= 20 ? 11 : 21;
  return at(t, t.year, t.month, end ? (start === 21 ? daysIn(t.year, t.month) : start + 9) : start);
};

/** The documented shortcuts: ten-day, month, quarter, half-year and year ends and starts, previous month and year
 * ends. */
const SHORTCUTS: Readonly<Record<string, (t: DataTime) => DataTime>> = {
  TE: (t) => tenday(t, true),
  TS: (t) => tenday(t, false),
  ME: (t) => monthEnd(t),
  MS: (t) => at(t, t.year, t.month, 1),
  QE: (t) => monthEnd(t, t.year, Math.ceil(t.month / 3) * 3),
  HYE: (t) => monthEnd(t, t.year, t.month <= 6 ? 6 : 12),
  HYS: (t) => at(t, t.year, t.month <= 6 ? 1 : 7, 1),
  YE: (t) => at(t, t.year, 12, 31),
  YS: (t) => at(t, t.year, 1, 1),
  PME: (t) => {
    const p = addMonths({ ...t, day: 1 }, -1);
    return monthEnd(p);
  },
  PYE: (t) => at(t, t.year - 1, 12, 31),
};

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** Render a date pattern: yyyy, yy, MM, dd, HH, mm, ss; any other character is kept as it is. */
function format(pattern: string, t: DataTime): string {
  return pattern.replace(/yyyy|yy|MM|dd|HH|mm|ss/g, (tok) => {
    switch (tok) {
      case "yyyy":
        return pad(t.year, 4);
      case "yy":
        return pad(t.year % 100, 2);
      case "MM":
        return pad(t.month, 2);
      case "dd":
        return pad(t.day, 2);
      case "HH":
        return pad(t.hour, 2);
      case "mm":
        return pad(t.minute, 2);
      default:
        return pad(t.second, 2);
    }
  });
}

/** Seconds since the epoch of a data time read as UTC+8 (WeData's zone), as `${timestamp}` gives it. */
export const epochSeconds = (t: DataTime, offsetMinutes = 480) => Math.floor((toMs(t) - offsetMinutes * 60_000) / 1000);

const PATTERN = /^(?=.*(?:yy|MM|dd|HH|mm|ss))[yMdHms\-/:._ T]+$/;
const OFFSET = /^\s*([+-])\s*(\d+)\s*([yMwdhHms])\s*$/;

/**
 * The value of one `${...}` expression, or undefined when it is not a time parameter (then it is a
 * parameter name, resolved elsewhere).
 */
export function timeParameter(expr: string, base: DataTime): string | undefined {
  const ts = /^(timestamp_ms|timestamp)(.*)$/.exec(expr.trim());
  if (ts) {
    const [, unit, offset = ""] = ts;
    let t = base;
    if (offset.trim()) {
      const moved = shiftBy(base, offset);
      if (!moved) return undefined;
      t = moved;
    }
    const s = epochSeconds(t);
    return unit === "timestamp" ? String(s) : String(s * 1000);
  }
  // The offset or shortcut, when there is one, ends the expression: `yyyy-MM-dd-1d` is the pattern
  // `yyyy-MM-dd` moved back one day.
  const m = new RegExp(`^(.*?)\\s*([+-])\\s*(\\d+\\s*[yMwdhHms]|${Object.keys(SHORTCUTS).join("|")})\\s*$`).exec(expr);
  const [, head = expr, sign = "+", amount = ""] = m ?? [];
  const pattern = head.trim();
  if (!PATTERN.test(pattern)) return undefined;
  if (!m) return format(pattern, base);
  const rest = amount.replace(/\s+/g, "");
  if (SHORTCUTS[rest]) return sign === "+" ? format(pattern, SHORTCUTS[rest](base)) : undefined;
  const moved = shiftBy(base, `${sign}${rest}`);
  return moved && format(pattern, moved);
}

/** `base` moved by an offset such as `-1d` or `+ 2 H`; undefined when the text is not one. */
function shiftBy(base: DataTime, offset: string): DataTime | undefined {
  const o = OFFSET.exec(offset);
  if (!o) return undefined;
  const [, sign, count, unit = ""] = o;
  return shift(base, (sign === "-" ? -1 : 1) * Number(count), unit);
}
