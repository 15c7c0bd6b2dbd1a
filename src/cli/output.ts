/** Where commands write; tests pass their own to capture output without spawning a process. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processOutput: CommandOutput = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};
