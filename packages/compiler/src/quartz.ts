/*
 * Quartz cron expressions, as WeData's scheduler takes them: seven fields (seconds, minutes, hours,
 * day of month, month, day of week, year), validated with cron-validate under Quartz's rules
 * (CronExpression in quartz-scheduler): names for months and weekdays (JAN, MON), `?` in exactly one
 * of day of month and day of week, `L`, `W`, `LW` and `#` where Quartz allows them.
 */
import cronValidate from "cron-validate";
import { registerOptionPreset } from "cron-validate/lib/option.js";

// A CommonJS package: Node's ESM loader gives `module.exports` (the function is its `default`); some
// loaders unwrap it already.
const loaded = cronValidate as unknown as typeof cronValidate.default | { default: typeof cronValidate.default };
const cron = typeof loaded === "function" ? loaded : loaded.default;

const PRESET = "wedata-kit-quartz";
registerOptionPreset(PRESET, {
  presetId: PRESET,
  useSeconds: true,
  useYears: true,
  useAliases: true,
  useBlankDay: true,
  allowOnlyOneBlankDayField: true,
  mustHaveBlankDayField: true,
  useLastDayOfMonth: true,
  useLastDayOfWeek: true,
  useNearestWeekday: true,
  useNthWeekdayOfMonth: true,
  seconds: { minValue: 0, maxValue: 59 },
  minutes: { minValue: 0, maxValue: 59 },
  hours: { minValue: 0, maxValue: 23 },
  daysOfMonth: { minValue: 1, maxValue: 31 },
  months: { minValue: 1, maxValue: 12 },
  daysOfWeek: { minValue: 1, maxValue: 7 },
  years: { minValue: 1970, maxValue: 2099 },
});

/** Why a cron expression is not one WeData's (Quartz) scheduler accepts, or undefined. */
export function quartzCronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 7)
    return `it has ${fields.length} field(s); WeData expects 7: second minute hour day-of-month month day-of-week year`;
  const r = cron(fields.join(" "), { preset: PRESET });
  if (r.isValid()) return undefined;
  const errors = r.getError() as string[];
  const both = errors.find((e) => /both daysOfMonth and daysOfWeek|blank value in daysOfMonth and daysOfWeek/.test(e));
  if (both)
    return (
      "day of month and day of week are both set: Quartz needs '?' in exactly one of them (e.g. \"0 30 2 * * ? " + '*")'
    );
  return errors
    .map((e) =>
      e
        .replace(/daysOfMonth/g, "day of month")
        .replace(/daysOfWeek/g, "day of week")
        .replace(/\.$/, ""),
    )
    .join("; ");
}
