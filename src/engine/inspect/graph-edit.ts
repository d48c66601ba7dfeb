// Promotes intermediate tensors of an ONNX graph to outputs: a cached copy of the file, or in memory beside external weights.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { graphOutputsAppendix, type OnnxGraph } from './onnx-proto';

/** Bumped whenever the edit changes, so copies written by an older Glassbox are not reused. */
const EDIT_VERSION = 2;

/**
 * The edited model, as ONNX Runtime should open it: a file of its own, or (when the weights live in external data
 * files) the edited graph in memory plus the folder those files are in. ONNX Runtime refuses external data reached
 * through a link or a path outside the model's folder, so such a graph is never copied elsewhere.
 */
export type EditedModel = { path: string } | { bytes: Uint8Array; externalDataFolder: string };

function usesExternalData(graph: OnnxGraph): boolean {
  return graph.initializer.some((t) => t.dataLocation === 1);
}

/**
 * `onnxPath`'s model with `names` added to its graph outputs. A self-contained file is copied into `cacheDir`,
 * keyed by the source file's path, size and modification time and by the names, so it is written once and reused;
 * a graph with external weights is edited in memory (its bytes hold only the graph, so this is cheap).
 */
export function promoteOutputs(
  onnxPath: string,
  graph: OnnxGraph,
  names: readonly string[],
  cacheDir: string,
): EditedModel {
  const appendix = graphOutputsAppendix(names);
  if (usesExternalData(graph)) {
    return {
      bytes: Buffer.concat([readFileSync(onnxPath), appendix]),
      externalDataFolder: dirname(onnxPath),
    };
  }
  const st = statSync(onnxPath);
  const key = createHash('sha256')
    .update(JSON.stringify([EDIT_VERSION, onnxPath, st.size, st.mtimeMs, names]))
    .digest('hex')
    .slice(0, 24);
  const dir = join(cacheDir, key);
  const out = join(dir, basename(onnxPath));
  if (existsSync(out)) return { path: out };
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([readFileSync(onnxPath), appendix]));
  renameSync(tmp, out); // atomic: a concurrent reader sees the whole file or none
  return { path: out };
}
