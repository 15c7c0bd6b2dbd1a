/** Aggregates of repeated measurements. Median by default: robust to one slow or fast run. */
export type AggregateName = 'median' | 'mean' | 'min' | 'max';
export const AGGREGATES: readonly AggregateName[] = ['median', 'mean', 'min', 'max'];

export function aggregate(values: readonly number[], how: AggregateName = 'median'): number {
  if (values.length === 0) throw new Error('aggregate of no values');
  const s = [...values].sort((a, b) => a - b);
  switch (how) {
    case 'mean':
      return s.reduce((a, b) => a + b, 0) / s.length;
    case 'min':
      return s[0]!;
    case 'max':
      return s[s.length - 1]!;
    case 'median': {
      const mid = s.length >> 1;
      return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
    }
  }
}
