// Reads a zip file's entries (the central directory; stored and deflated files): enough to look inside a VSIX.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/**
 * The entry names of a zip file and a reader for each (no zip64: a VSIX stays far below 4 GiB).
 * @param {string} file
 * @returns {{ names: string[], text: (name: string) => string | undefined }}
 */
export function readZip(file) {
  const buf = readFileSync(file);
  let end = -1;
  // the end record is the last 22 bytes, unless a comment (up to 65535 bytes) follows it
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  if (count === 0xffff || at === 0xffffffff)
    throw new Error(`${file} is a zip64 file, which this reader does not read`);
  /** @type {Map<string, { method: number, compressedSize: number, local: number }>} */
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== CENTRAL_FILE_HEADER)
      throw new Error(`${file}: bad central directory entry ${i}`);
    const nameLength = buf.readUInt16LE(at + 28);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, {
      method: buf.readUInt16LE(at + 10),
      compressedSize: buf.readUInt32LE(at + 20),
      local: buf.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return {
    names: [...entries.keys()],
    text(name) {
      const entry = entries.get(name);
      if (!entry) return undefined;
      if (buf.readUInt32LE(entry.local) !== LOCAL_FILE_HEADER)
        throw new Error(`${file}: bad local header for ${name}`);
      const start =
        entry.local + 30 + buf.readUInt16LE(entry.local + 26) + buf.readUInt16LE(entry.local + 28);
      const data = buf.subarray(start, start + entry.compressedSize);
      if (entry.method === 0) return data.toString('utf8');
      if (entry.method === 8) return inflateRawSync(data).toString('utf8');
      throw new Error(`${file}: ${name} uses compression method ${entry.method}`);
    },
  };
}
