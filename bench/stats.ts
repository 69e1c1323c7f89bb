// Latency percentiles from raw samples (ms), nearest-rank.
export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
}

export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { count: 0, mean: 0, p50: 0, p97_5: 0, p99: 0, max: 0 };
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  let sum = 0;
  for (const v of s) sum += v;
  return {
    count: s.length,
    mean: sum / s.length,
    p50: at(0.5),
    p97_5: at(0.975),
    p99: at(0.99),
    max: s[s.length - 1]!,
  };
}
