/** Where commands write; tests pass their own to capture output without spawning a process. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * stderr text written while stdout still has bytes queued (a pipe takes 64 KB at a time) waits
 * for them: with both streams on one pipe (`2>&1 | …`), a summary printed after a large report
 * would otherwise land inside it.
 */
const heldForStdout: string[] = [];

function writeStderr(text: string): void {
  if (heldForStdout.length === 0 && process.stdout.writableLength === 0) {
    process.stderr.write(text);
    return;
  }
  heldForStdout.push(text);
  if (heldForStdout.length === 1) process.stdout.write('', releaseStderr);
}

function releaseStderr(err?: Error | null): void {
  // the callback of an empty write runs once everything queued before it is written (or stdout
  // failed: a closed pipe, whose reader is gone, holds nothing back any more)
  if (!err && !process.stdout.destroyed && process.stdout.writableLength > 0) {
    process.stdout.write('', releaseStderr);
    return;
  }
  for (const text of heldForStdout.splice(0)) process.stderr.write(text);
}

export const processOutput: CommandOutput = {
  stdout: (t) => void process.stdout.write(t),
  stderr: writeStderr,
};
