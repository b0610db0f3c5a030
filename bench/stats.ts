/** Small statistics over repeated measurements. */

export interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
  mean: number;
  p95: number;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN, mean: NaN, p95: NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  // Nearest-rank percentile.
  const p95 = s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
  return { n: s.length, median, min: s[0]!, max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length, p95 };
}

export function median(values: readonly number[]): number {
  return stats(values).median;
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes >= 1024 * 1024) return `${fmt(bytes / (1024 * 1024), 1)} MiB`;
  if (bytes >= 1024) return `${fmt(bytes / 1024, 1)} KiB`;
  return `${fmt(bytes)} B`;
}
