/**
 * Inserted text is written with `\n`; in a file whose every line ends with `\r\n` the inserted
 * lines must too, or the file ends up with mixed line endings. Files that already mix them are
 * left as they come (there is no single convention to follow).
 */
export function usesCrlf(text: string): boolean {
  let lf = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (text.charCodeAt(i - 1) !== 0x0d) return false;
    lf++;
  }
  return lf > 0;
}

/** `output` with the line endings of `original`: lone `\n`s become `\r\n` in a CRLF file. */
export function matchLineEndings(original: string, output: string): string {
  if (output === original || !usesCrlf(original)) return output;
  return output.replace(/\r?\n/g, '\r\n');
}
