/** 1-based line and column (in bytes, as gcc reports them) of offsets into one text. */
export class LineIndex {
  private readonly starts: number[];

  private constructor(starts: number[]) {
    this.starts = starts;
  }

  static of(text: string): LineIndex {
    return new LineIndex(lineStarts(text));
  }

  static fromStarts(starts: number[]): LineIndex {
    return new LineIndex(starts);
  }

  get lineStarts(): number[] {
    return this.starts;
  }

  position(offset: number): { line: number; column: number } {
    const line = lineOf(this.starts, offset);
    return { line: line + 1, column: offset - this.starts[line]! + 1 };
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 0-based line holding `offset`, given the lines' start offsets. */
export function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
