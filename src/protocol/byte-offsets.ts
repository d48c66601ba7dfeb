// UTF-8 byte -> UTF-16 character offsets of a text: how token pieces (bytes) are placed on the text (engine, client).

const utf8 = new TextEncoder();

/** For every UTF-8 byte of `text`: the UTF-16 start and end of the character it belongs to (one more entry for the end). */
export function byteToChar(text: string): { bytes: Uint8Array; charStart: Int32Array; charEnd: Int32Array } {
  const bytes = utf8.encode(text);
  const charStart = new Int32Array(bytes.length + 1);
  const charEnd = new Int32Array(bytes.length + 1);
  let b = 0;
  let c = 0;
  for (const ch of text) {
    const n = utf8.encode(ch).length;
    charStart.fill(c, b, b + n);
    charEnd.fill(c + ch.length, b, b + n);
    b += n;
    c += ch.length;
  }
  charStart[b] = c;
  charEnd[b] = c;
  return { bytes, charStart, charEnd };
}
