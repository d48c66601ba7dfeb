// Promotes intermediate tensors of an ONNX graph to outputs, once per model, into a cached copy of the file.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { graphOutputsAppendix, type OnnxGraph } from './onnx-proto';

/** Files beside the model that its initializers keep their weights in. */
function externalDataFiles(graph: OnnxGraph): string[] {
  const files = new Set<string>();
  for (const t of graph.initializer) {
    if (t.dataLocation !== 1) continue;
    const location = t.externalData.find((e) => e.key === 'location')?.value;
    if (location) files.add(location);
  }
  return [...files];
}

/**
 * Path of a copy of `onnxPath` whose graph also outputs `names`. The copy lives in `cacheDir`, keyed by the
 * source file's path, size and modification time and by the names, so it is written once and reused; external
 * weight files are linked beside it, never copied.
 */
export function promoteOutputs(
  onnxPath: string,
  graph: OnnxGraph,
  names: readonly string[],
  cacheDir: string,
): string {
  const st = statSync(onnxPath);
  const key = createHash('sha256')
    .update(JSON.stringify([onnxPath, st.size, st.mtimeMs, names]))
    .digest('hex')
    .slice(0, 24);
  const dir = join(cacheDir, key);
  const out = join(dir, basename(onnxPath));
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  for (const file of externalDataFiles(graph)) {
    const link = join(dir, file);
    if (!existsSync(link)) {
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(dirname(onnxPath), file), link);
    }
  }
  const original = readFileSync(onnxPath);
  const appendix = graphOutputsAppendix(names);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([original, appendix]));
  renameSync(tmp, out); // atomic: a concurrent reader sees the whole file or none
  return out;
}
