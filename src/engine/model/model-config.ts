// Normalises Hugging Face config.json dimensions (Llama/Qwen/Gemma/Phi-like and GPT-2-like key names) and token id lists.
import type { ModelDims } from '../../protocol/engine-methods';
import { ModelFolderError } from './model-errors';

/** model_type values whose config uses the Llama-style key names. */
const LLAMA_STYLE = new Set([
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen2_moe',
  'qwen3',
  'qwen3_moe',
  'phi',
  'phi3',
  'gemma',
  'gemma2',
  'gemma3_text',
  'granite',
  'olmo',
  'olmo2',
  'stablelm',
  'starcoder2',
  'gpt_neox',
  'smollm3',
  'cohere',
  'helium',
]);

/** model_type values whose config uses the GPT-2-style key names (n_layer, n_head, n_embd, n_positions). */
const GPT2_STYLE = new Set(['gpt2', 'gptj', 'codegen']);

export const SUPPORTED_MODEL_TYPES: readonly string[] = [...LLAMA_STYLE, ...GPT2_STYLE].sort();

type Json = Record<string, unknown>;

function positiveInt(config: Json, keys: string[], path: string, fallback?: number): number {
  for (const key of keys) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ModelFolderError(
        'bad-config',
        `config.json: ${key} must be a positive integer, got ${JSON.stringify(v)}`,
        path,
      );
    }
    return v;
  }
  if (fallback !== undefined) return fallback;
  throw new ModelFolderError('bad-config', `config.json: ${keys.join(' / ')} is missing`, path);
}

/** Reads the dimensions from a parsed config.json (`path` only names the file in errors). */
export function normaliseDims(raw: Json, path: string): ModelDims {
  // Multimodal wrappers keep the language model's numbers in text_config.
  const config: Json =
    typeof raw.text_config === 'object' && raw.text_config !== null
      ? { ...raw, ...(raw.text_config as Json) }
      : raw;
  const modelType = config.model_type;
  if (typeof modelType !== 'string' || modelType === '') {
    throw new ModelFolderError('bad-config', 'config.json: model_type is missing', path);
  }
  let dims: ModelDims;
  if (GPT2_STYLE.has(modelType)) {
    const heads = positiveInt(config, ['n_head', 'num_attention_heads'], path);
    const hidden = positiveInt(config, ['n_embd', 'hidden_size'], path);
    dims = {
      modelType,
      layers: positiveInt(config, ['n_layer', 'num_hidden_layers'], path),
      heads,
      kvHeads: heads,
      headDim: hidden / heads,
      hidden,
      vocab: positiveInt(config, ['vocab_size'], path),
      contextLength: positiveInt(config, ['n_positions', 'n_ctx', 'max_position_embeddings'], path),
    };
  } else if (LLAMA_STYLE.has(modelType)) {
    const heads = positiveInt(config, ['num_attention_heads'], path);
    const hidden = positiveInt(config, ['hidden_size'], path);
    dims = {
      modelType,
      layers: positiveInt(config, ['num_hidden_layers'], path),
      heads,
      kvHeads: positiveInt(config, ['num_key_value_heads', 'num_kv_heads'], path, heads),
      headDim: positiveInt(config, ['head_dim'], path, hidden / heads),
      hidden,
      vocab: positiveInt(config, ['vocab_size'], path),
      contextLength: positiveInt(config, ['max_position_embeddings', 'n_positions'], path),
    };
  } else {
    throw new ModelFolderError(
      'unknown-model-type',
      `config.json: model_type "${modelType}" is not supported (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`,
      path,
    );
  }
  if (!Number.isInteger(dims.headDim)) {
    throw new ModelFolderError(
      'bad-config',
      `config.json: hidden size ${dims.hidden} is not divisible by ${dims.heads} heads`,
      path,
    );
  }
  if (dims.heads % dims.kvHeads !== 0) {
    throw new ModelFolderError(
      'bad-config',
      `config.json: ${dims.heads} attention heads are not a multiple of ${dims.kvHeads} key/value heads`,
      path,
    );
  }
  return dims;
}

/** Where a token id list was read, for errors: the file's name, the key, and the file's path. */
export interface IdListSource {
  file: string;
  key: string;
  path?: string;
}

/**
 * A token id or list of ids as configs write them (number, numeric string, array, or null). A string that is not a
 * whole number (`"</s>"`) is a bad-config error naming `source` (or, without it, the keys it may come from).
 */
export function idList(value: unknown, source?: IdListSource): number[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const ids: number[] = [];
  for (const v of list) {
    if (typeof v === 'string') {
      if (!/^\s*\d+\s*$/.test(v)) {
        const where = source
          ? `${source.file}: ${source.key}`
          : 'config.json / generation_config.json: bos_token_id / eos_token_id';
        throw new ModelFolderError(
          'bad-config',
          `${where} must be a token id (a whole number), got the string ${JSON.stringify(v)}`,
          source?.path,
        );
      }
      ids.push(Number(v));
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) ids.push(v);
  }
  return ids;
}
