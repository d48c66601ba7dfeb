// Which files of a Hub repository one ONNX variant needs: the json files, that variant's .onnx and its _data chunks.
import { DTYPE_SUFFIX, dtypeOfFile } from '../protocol/dtypes';
import { HubError } from './hub-errors';
import type { RepoFile } from './hub-api';

/** Files at the repository's root that a model folder reads (configs, tokenizer, chat template). */
const ROOT_FILES =
  /^(config|generation_config|tokenizer|tokenizer_config|special_tokens_map|added_tokens|chat_template|preprocessor_config)\.json$|^chat_template\.jinja$|^genai_config\.json$/;

export interface Variant {
  dtype: string;
  /** The variant's .onnx file and its external data files. */
  files: RepoFile[];
  bytes: number;
}

/** Every ONNX variant of a decoder in the repository (onnx/model*.onnx, or at the root), with its size. */
export function variantsOf(files: readonly RepoFile[]): Variant[] {
  const out: Variant[] = [];
  for (const f of files) {
    const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '';
    if (dir !== 'onnx' && dir !== '') continue;
    const dtype = dtypeOfFile(f.path);
    if (!dtype) continue;
    const data = files.filter((g) => g.path.startsWith(`${f.path}_data`) && /_data(_\d+)?$/.test(g.path));
    const variantFiles = [f, ...data];
    out.push({ dtype, files: variantFiles, bytes: variantFiles.reduce((s, g) => s + g.size, 0) });
  }
  const order = Object.keys(DTYPE_SUFFIX);
  return out.sort((a, b) => order.indexOf(a.dtype) - order.indexOf(b.dtype));
}

/** The files to fetch for `dtype`: the root json files and the variant's own; a clear error when it is absent. */
export function filesFor(repo: string, files: readonly RepoFile[], dtype: string): RepoFile[] {
  const variants = variantsOf(files);
  const variant = variants.find((v) => v.dtype === dtype);
  if (!variant) {
    throw new HubError(
      'no-variant',
      variants.length
        ? `${repo} has no ${dtype} ONNX file (it has ${variants.map((v) => v.dtype).join(', ')})`
        : `${repo} has no ONNX model (onnx/model*.onnx): Glassbox runs ONNX exports, as the onnx-community repositories hold`,
    );
  }
  if (!files.some((f) => f.path === 'config.json'))
    throw new HubError('no-variant', `${repo} has no config.json at its root`);
  return [...files.filter((f) => ROOT_FILES.test(f.path)), ...variant.files];
}
