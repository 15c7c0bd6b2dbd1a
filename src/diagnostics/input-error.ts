import type { Diagnostic } from './diagnostic.js';

/**
 * An error in what the user gave us (a path, a file, a configuration). The CLI prints its
 * message as one line and exits with code 2; the message already names the place and the fix.
 * `diagnostics` are the findings behind it, when any (printed before it; in `--json` errors).
 */
export class InputError extends Error {
  override readonly name: string = 'InputError';

  constructor(
    message: string,
    readonly diagnostics?: Diagnostic[],
  ) {
    super(message);
  }
}

/**
 * SIGINT or SIGTERM stopped the command; the message says what was kept or undone. The CLI exits
 * with 128 + the signal's number once what it printed is written, never in the middle of it.
 */
export class InterruptedError extends InputError {
  constructor(
    readonly signal: NodeJS.Signals,
    message: string,
  ) {
    super(message);
  }
}
