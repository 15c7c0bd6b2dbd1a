/**
 * An error in what the user gave us (a path, a file, a configuration). The CLI prints its
 * message as one line and exits with code 2; the message already names the place and the fix.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}
