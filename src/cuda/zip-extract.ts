// Extracts chosen entries of a zip file (a .nupkg) to chosen paths, streaming, with yauzl (bundled).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { openPromise } from 'yauzl';

/**
 * Writes each entry named in `wanted` (its name inside the zip -> where to write it) and resolves with the names the
 * zip does not have. Names match as written, or percent-decoded (NuGet's packaging escapes some characters).
 */
export async function extractEntries(
  zipPath: string,
  wanted: ReadonlyMap<string, string>,
  signal?: AbortSignal,
): Promise<string[]> {
  const left = new Map(wanted);
  const zip = await openPromise(zipPath, { lazyEntries: true, autoClose: false });
  try {
    for await (const entry of zip.eachEntry()) {
      if (left.size === 0) break;
      let name = entry.fileName;
      if (!left.has(name)) {
        try {
          name = decodeURIComponent(name);
        } catch {
          continue;
        }
        if (!left.has(name)) continue;
      }
      const target = left.get(name) as string;
      left.delete(name);
      signal?.throwIfAborted();
      const stream = await zip.openReadStreamPromise(entry);
      await pipeline(stream, createWriteStream(target, { mode: 0o755 }), signal ? { signal } : {});
    }
  } finally {
    zip.close();
  }
  return [...left.keys()];
}
