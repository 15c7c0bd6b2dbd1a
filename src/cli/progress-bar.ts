/**
 * A progress bar on stderr, only when stderr is a terminal (and not under CI). The line is fitted
 * to the terminal's width; a width of 0 or none (some terminals and pseudo-terminals report 0)
 * draws nothing rather than failing.
 */

/** The bar's text for a terminal `columns` wide ('' when there is no room). */
export function progressLine(label: string, done: number, total: number, columns: number): string {
  const width = Number.isFinite(columns) ? Math.floor(columns) - 1 : 0;
  if (width <= 0) return '';
  const count = `${done}/${total}`;
  const head = `${label} ${count} `;
  const barRoom = width - head.length - 2;
  if (barRoom < 4) return head.slice(0, width);
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * barRoom) : barRoom;
  return `${head}[${'#'.repeat(filled)}${'.'.repeat(barRoom - filled)}]`;
}

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export class ProgressBar {
  private readonly enabled: boolean;
  private shown = false;

  constructor(private readonly label: string, private readonly sink: ProgressSink = process.stderr, env: NodeJS.ProcessEnv = process.env) {
    this.enabled = sink.isTTY === true && !env.CI;
  }

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const line = progressLine(this.label, done, total, this.sink.columns ?? 0);
    if (line === '') return;
    this.sink.write(`\r${line}`);
    this.shown = true;
  }

  done(): void {
    if (!this.enabled || !this.shown) return;
    const width = Math.max(0, (this.sink.columns ?? 0) - 1);
    this.sink.write(`\r${' '.repeat(width)}\r`);
    this.shown = false;
  }
}
