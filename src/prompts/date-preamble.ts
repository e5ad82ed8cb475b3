/**
 * human_bot_orig's preamble, h2oGPT's `time.strftime('%Y-%m-%d')` and `time.strftime('%H:%M:%S %p %Z')`
 * (a 24-hour clock followed by AM/PM, as h2oGPT writes it).
 */
export function datePreamble(now: Date, timeZone?: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short"
    })
      .formatToParts(now)
      .map((part) => [part.type, part.value])
  );
  const meridiem = Number(parts.hour) < 12 ? "AM" : "PM";
  return (
    `Current Date: ${parts.year}-${parts.month}-${parts.day}\n` +
    `Current Time: ${parts.hour}:${parts.minute}:${parts.second} ${meridiem} ${parts.timeZoneName}\n\n`
  );
}
