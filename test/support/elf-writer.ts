// Test support: writes a minimal 64-bit little-endian ELF shared object whose dynamic section names given libraries.
const BASE = 0x200000n; // load address, so virtual addresses differ from file offsets

/** An ELF64 x86-64 ET_DYN image: one PT_LOAD over the file, a PT_DYNAMIC with DT_NEEDED (and DT_RUNPATH) entries. */
export function elfWithNeeded(needed: string[], runpath?: string): Buffer {
  const strings = ['', ...needed, ...(runpath ? [runpath] : [])];
  const offsets: number[] = [];
  let at = 0;
  for (const s of strings) {
    offsets.push(at);
    at += Buffer.byteLength(s) + 1;
  }
  const strtab = Buffer.concat(strings.map((s) => Buffer.from(`${s}\0`)));
  const headerSize = 64 + 2 * 56;
  const strOff = headerSize;
  const dynOff = strOff + strtab.length + ((8 - (strtab.length % 8)) % 8);
  const entries: [bigint, bigint][] = [
    ...needed.map((_, i): [bigint, bigint] => [1n, BigInt(offsets[i + 1] as number)]),
    ...(runpath ? [[29n, BigInt(offsets[strings.length - 1] as number)] as [bigint, bigint]] : []),
    [5n, BASE + BigInt(strOff)],
    [10n, BigInt(strtab.length)],
    [0n, 0n],
  ];
  const dyn = Buffer.alloc(entries.length * 16);
  entries.forEach(([tag, val], i) => {
    dyn.writeBigInt64LE(tag, i * 16);
    dyn.writeBigUInt64LE(val, i * 16 + 8);
  });
  const size = dynOff + dyn.length;
  const head = Buffer.alloc(headerSize);
  head.writeUInt32BE(0x7f454c46, 0);
  head[4] = 2; // ELFCLASS64
  head[5] = 1; // little-endian
  head[6] = 1; // EV_CURRENT
  head.writeUInt16LE(3, 16); // ET_DYN
  head.writeUInt16LE(62, 18); // EM_X86_64
  head.writeUInt32LE(1, 20);
  head.writeBigUInt64LE(64n, 0x20); // e_phoff
  head.writeUInt16LE(64, 0x34); // e_ehsize
  head.writeUInt16LE(56, 0x36); // e_phentsize
  head.writeUInt16LE(2, 0x38); // e_phnum
  head.writeUInt16LE(64, 0x3a); // e_shentsize
  const ph = (i: number, type: number, offset: number, filesz: number) => {
    const p = 64 + i * 56;
    head.writeUInt32LE(type, p);
    head.writeUInt32LE(type === 1 ? 5 : 6, p + 4); // R+X / R+W
    head.writeBigUInt64LE(BigInt(offset), p + 8);
    head.writeBigUInt64LE(BASE + BigInt(offset), p + 16);
    head.writeBigUInt64LE(BASE + BigInt(offset), p + 24);
    head.writeBigUInt64LE(BigInt(filesz), p + 32);
    head.writeBigUInt64LE(BigInt(filesz), p + 40);
    head.writeBigUInt64LE(type === 1 ? 0x1000n : 8n, p + 48);
  };
  ph(0, 1, 0, size);
  ph(1, 2, dynOff, dyn.length);
  const pad = Buffer.alloc(dynOff - strOff - strtab.length);
  return Buffer.concat([head, strtab, pad, dyn]);
}
