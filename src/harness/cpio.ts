/**
 * A minimal writer for the cpio "newc" (SVR4, no CRC) format that the Linux kernel unpacks as an
 * initramfs. Written here rather than shelling out to cpio(1) so that device nodes (/dev/console)
 * can be put in the archive without root and the archive is byte-for-byte deterministic.
 */

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer | string; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio: field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

function pad4(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}

function record(ino: number, mode: number, nlink: number, name: string, data: Buffer, rdev = [0, 0]): Buffer[] {
  const nameBuf = Buffer.from(name + '\0', 'utf8');
  const header =
    '070701' +
    hex8(ino) +
    hex8(mode) +
    hex8(0) + // uid
    hex8(0) + // gid
    hex8(nlink) +
    hex8(0) + // mtime: fixed, for reproducible archives
    hex8(data.length) +
    hex8(0) + // devmajor
    hex8(0) + // devminor
    hex8(rdev[0]!) +
    hex8(rdev[1]!) +
    hex8(nameBuf.length) +
    hex8(0); // check
  const head = Buffer.concat([Buffer.from(header, 'ascii'), nameBuf]);
  return [head, pad4(head.length), data, pad4(data.length)];
}

/** Builds an uncompressed newc archive (with the TRAILER!!! record) from the entries, in order. */
export function buildCpioNewc(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (name === '' || name.split('/').includes('..')) throw new Error(`cpio: bad path ${JSON.stringify(e.path)}`);
    switch (e.kind) {
      case 'dir':
        parts.push(...record(ino++, S_IFDIR | (e.mode ?? 0o755), 2, name, Buffer.alloc(0)));
        break;
      case 'file':
        parts.push(...record(ino++, S_IFREG | (e.mode ?? 0o644), 1, name, Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8')));
        break;
      case 'symlink':
        parts.push(...record(ino++, S_IFLNK | 0o777, 1, name, Buffer.from(e.target, 'utf8')));
        break;
      case 'chardev':
        parts.push(...record(ino++, S_IFCHR | (e.mode ?? 0o600), 1, name, Buffer.alloc(0), [e.major, e.minor]));
        break;
    }
  }
  parts.push(...record(0, 0, 1, 'TRAILER!!!', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
