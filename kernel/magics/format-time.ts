/** Seconds → IPython's `_format_time` text ("1.23 ms", "512 ns", "1min 3s"). */
export function formatTime(seconds: number, precision = 3): string {
  if (seconds >= 60) {
    const parts: string[] = [];
    let left = seconds;
    for (const [suffix, length] of [
      ["d", 86400],
      ["h", 3600],
      ["min", 60],
      ["s", 1],
    ] as const) {
      const value = Math.floor(left / length);
      if (value > 0) {
        left %= length;
        parts.push(`${value}${suffix}`);
      }
      if (left < 1) break;
    }
    return parts.join(" ");
  }
  const units = ["s", "ms", "\u00b5s", "ns"];
  const scale = [1, 1e3, 1e6, 1e9];
  const order = seconds > 0 ? Math.min(-Math.floor(Math.floor(Math.log10(seconds)) / 3), 3) : 3;
  const o = Math.max(0, order);
  return `${formatG(seconds * scale[o]!, precision)} ${units[o]}`;
}

/** C's `%.*g`: `precision` significant digits, trailing zeros dropped. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return "0";
  const rounded = Number(value.toPrecision(precision));
  const exp = Math.floor(Math.log10(Math.abs(rounded)));
  if (exp < -4 || exp >= precision) {
    const [mantissa, e] = rounded.toExponential(precision - 1).split("e");
    const m = mantissa!.includes(".") ? mantissa!.replace(/\.?0+$/, "") : mantissa!;
    const n = Number(e);
    return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const fixed = rounded.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}
