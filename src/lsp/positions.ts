/**
 * LSP positions count UTF-16 code units per line; flexos counts bytes (files are read as latin1,
 * one byte per string unit). These convert between the two for one text.
 */
import { lineOf, lineStarts } from '../parse/line-index.js';

export interface LspPosition {
  line: number;
  character: number;
}

export class ByteText {
  readonly starts: number[];

  constructor(readonly bytes: string) {
    this.starts = lineStarts(bytes);
  }

  /** From the editor's string (UTF-16) to flexos's byte string. */
  static fromEditor(text: string): ByteText {
    return new ByteText(Buffer.from(text, 'utf8').toString('latin1'));
  }

  position(offset: number): LspPosition {
    const line = lineOf(this.starts, offset);
    const prefix = this.bytes.slice(this.starts[line]!, offset);
    return { line, character: isAscii(prefix) ? prefix.length : Buffer.from(prefix, 'latin1').toString('utf8').length };
  }

  offset(p: LspPosition): number {
    const start = this.starts[Math.min(p.line, this.starts.length - 1)] ?? 0;
    if (p.line >= this.starts.length) return this.bytes.length;
    const nl = this.bytes.indexOf('\n', start);
    const line = this.bytes.slice(start, nl === -1 ? this.bytes.length : nl);
    if (isAscii(line)) return start + Math.min(p.character, line.length);
    const chars = Buffer.from(line, 'latin1').toString('utf8').slice(0, p.character);
    return start + Buffer.byteLength(chars, 'utf8');
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
