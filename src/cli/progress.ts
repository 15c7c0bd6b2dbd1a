/** One self-overwriting status line on stderr, only when stderr is a terminal. */
export class Progress {
  private readonly enabled: boolean;
  private last = 0;

  constructor(private readonly label: string) {
    this.enabled = process.stderr.isTTY === true && !process.env.CI;
  }

  update(done: number, total: number, item: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 80 && done + 1 < total) return;
    this.last = now;
    const width = terminalWidth();
    const text = `${this.label} [${done + 1}/${total}] ${item}`;
    process.stderr.write(`\r${text.slice(0, width - 1).padEnd(width - 1)}`);
  }

  done(): void {
    if (this.enabled) process.stderr.write(`\r${' '.repeat(terminalWidth() - 1)}\r`);
  }
}

/** The terminal width; a terminal reporting 0 (or nonsense) columns gets a one-line bar of 80. */
function terminalWidth(): number {
  const c = process.stderr.columns;
  return typeof c === 'number' && Number.isFinite(c) && c >= 2 ? c : 80;
}
