// Reads the libraries an ELF shared object links (DT_NEEDED) and where it looks for them (DT_RUNPATH / DT_RPATH).
import { closeSync, openSync, readSync } from 'node:fs';

export interface ElfLinks {
  /** Library names as the loader looks them up (libcudart.so.13 ...), in file order. */
  needed: string[];
  /** The search path the object carries ($ORIGIN left as written); empty when none. */
  runpath: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

/**
 * The dynamic section of a 64-bit little-endian ELF file (x64, arm64), read through its program headers as the
 * loader reads it; undefined when the file is no such ELF. Reads a few kilobytes, not the whole file.
 */
export function elfLinks(path: string): ElfLinks | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const read = (offset: bigint | number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, Number(offset));
      return buf.subarray(0, n);
    };
    const head = read(0, 64);
    if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1)
      return undefined;
    const phoff = head.readBigUInt64LE(0x20);
    const phentsize = head.readUInt16LE(0x36);
    const phnum = head.readUInt16LE(0x38);
    const table = read(phoff, phentsize * phnum);
    const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
    let dynamic: { offset: bigint; filesz: bigint } | undefined;
    for (let i = 0; i < phnum; i++) {
      const p = table.subarray(i * phentsize, (i + 1) * phentsize);
      if (p.length < 56) break;
      const type = p.readUInt32LE(0);
      const offset = p.readBigUInt64LE(8);
      const vaddr = p.readBigUInt64LE(16);
      const filesz = p.readBigUInt64LE(32);
      if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
      else if (type === PT_DYNAMIC) dynamic = { offset, filesz };
    }
    if (!dynamic) return { needed: [], runpath: [] };
    const dyn = read(dynamic.offset, Number(dynamic.filesz));
    const entries: [bigint, bigint][] = [];
    for (let at = 0; at + 16 <= dyn.length; at += 16) {
      const tag = dyn.readBigInt64LE(at);
      if (tag === DT_NULL) break;
      entries.push([tag, dyn.readBigUInt64LE(at + 8)]);
    }
    const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
    const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1] ?? 0n;
    const seg = loads.find(
      (l) => strtabAddr !== undefined && strtabAddr >= l.vaddr && strtabAddr < l.vaddr + l.filesz,
    );
    if (strtabAddr === undefined || !seg) return { needed: [], runpath: [] };
    const strings = read(strtabAddr - seg.vaddr + seg.offset, Number(strsz));
    const text = (at: bigint) => {
      const start = Number(at);
      const end = strings.indexOf(0, start);
      return strings.toString('utf8', start, end < 0 ? strings.length : end);
    };
    const needed = entries.filter(([t]) => t === DT_NEEDED).map(([, v]) => text(v));
    const paths = entries.filter(([t]) => t === DT_RUNPATH || t === DT_RPATH).map(([, v]) => text(v));
    return { needed, runpath: paths.flatMap((p) => p.split(':')).filter(Boolean) };
  } finally {
    closeSync(fd);
  }
}
