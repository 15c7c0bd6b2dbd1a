/**
 * A log-additive guess of a configuration's value from the ones measured so far: log v = w·f with
 * one feature per layout, per (library, hardening option), per (library, mechanism) and per
 * strategy, fitted by ridge regression. The search uses it only to order its questions (which
 * configuration to measure next); the answer never depends on a guess.
 */
export class LogLinearGuess {
  private weights: Float64Array | null = null;
  private rmse = 0.1;

  constructor(private readonly features: readonly (readonly number[])[], private readonly dims: number) {}

  fit(points: readonly { node: number; value: number }[]): void {
    const usable = points.filter((p) => p.value > 0);
    if (usable.length === 0) return void (this.weights = null);
    const d = this.dims + 1;
    const a = Array.from({ length: d }, () => new Float64Array(d));
    const b = new Float64Array(d);
    const mean = usable.reduce((s, p) => s + Math.log(p.value), 0) / usable.length;
    for (const p of usable) {
      const f = [0, ...this.features[p.node]!.map((k) => k + 1)];
      const y = Math.log(p.value) - mean;
      for (const i of f) {
        b[i]! += y;
        for (const j of f) a[i]![j]! += 1;
      }
    }
    for (let i = 0; i < d; i++) a[i]![i]! += 0.3; // ridge: unseen features stay near the mean
    const w = solve(a, b);
    w[0]! += mean;
    this.weights = w;
    let sq = 0;
    for (const p of usable) sq += (Math.log(p.value) - this.logGuess(p.node)) ** 2;
    this.rmse = Math.sqrt(sq / usable.length);
  }

  private logGuess(node: number): number {
    const w = this.weights!;
    return this.features[node]!.reduce((s, k) => s + w[k + 1]!, w[0]!);
  }

  /** The guessed value, or null before anything is measured. */
  guess(node: number): number | null {
    return this.weights ? Math.exp(this.logGuess(node)) : null;
  }

  /** Spread of the guess in log units (never below 5%). */
  spread(): number {
    return Math.max(0.05, this.rmse);
  }
}

/** Gaussian elimination with partial pivoting on a small dense system. */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    [b[c], b[p]] = [b[p]!, b[c]!];
    const piv = a[c]![c]!;
    if (Math.abs(piv) < 1e-12) continue;
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / piv;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r]![k]! -= f * a[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r]![k]! * x[k]!;
    x[r] = Math.abs(a[r]![r]!) < 1e-12 ? 0 : s / a[r]![r]!;
  }
  return x;
}
