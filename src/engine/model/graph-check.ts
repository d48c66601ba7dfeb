// Checks an ONNX decoder's inputs/outputs (names, KV shapes, dtypes) against the folder's config before any run.
import type * as ort from 'onnxruntime-node';
import type { ModelDims } from '../../protocol/engine-methods';
import { ModelFolderError } from './model-errors';

/** What the decoder graph takes and gives, as the forward step needs it. */
export interface GraphSignature {
  hasPositionIds: boolean;
  hasAttentionMask: boolean;
  /** Older merged decoders (decoder_model_merged.onnx) switch the cache path on this bool input. */
  hasUseCacheBranch: boolean;
  /**
   * `num_logits_to_keep` / `logits_to_keep`: how many final positions get logits (0: all). `shape` is [] for a
   * scalar input, [1] for a one-element one.
   */
  logitsToKeep: { name: string; shape: number[] } | undefined;
  /** `past_key_values.N.key` / `.value` input names per layer. */
  pastNames: { key: string; value: string }[];
  /** `present.N.key` / `.value` output names per layer. */
  presentNames: { key: string; value: string }[];
  /** Element type of the KV cache (float16 graphs need float16 empty pasts). */
  kvType: 'float32' | 'float16';
  logitsType: 'float32' | 'float16';
}

export const LOGITS_TO_KEEP = ['num_logits_to_keep', 'logits_to_keep'];
const KNOWN_INPUTS = new Set([
  'input_ids',
  'attention_mask',
  'position_ids',
  'use_cache_branch',
  ...LOGITS_TO_KEEP,
]);

type Meta = ort.InferenceSession.ValueMetadata;

function tensorType(meta: Meta | undefined): string | undefined {
  return meta && meta.isTensor ? meta.type : undefined;
}

function checkKvShape(meta: Meta | undefined, dims: ModelDims, where: string, onnxPath: string): void {
  if (!meta || !meta.isTensor || meta.shape.length === 0) return; // shape not recorded: nothing to compare
  const shape = meta.shape;
  if (shape.length !== 4) {
    throw new ModelFolderError(
      'graph-mismatch',
      `${where} has rank ${shape.length}, expected [batch, kv_heads, seq, head_dim]`,
      onnxPath,
    );
  }
  const [, kv, , hd] = shape;
  if (typeof kv === 'number' && kv !== dims.kvHeads) {
    throw new ModelFolderError(
      'graph-mismatch',
      `${where} has ${kv} key/value heads but config.json says ${dims.kvHeads} (num_key_value_heads)`,
      onnxPath,
    );
  }
  if (typeof hd === 'number' && hd !== dims.headDim) {
    throw new ModelFolderError(
      'graph-mismatch',
      `${where} has head size ${hd} but config.json gives head_dim ${dims.headDim}`,
      onnxPath,
    );
  }
}

/** Validates `session`'s graph against `dims`; throws a graph-mismatch ModelFolderError naming what differs. */
/** The KV cache output names the engine expects of layer `i`. */
export function presentName(i: number): { key: string; value: string } {
  return { key: `present.${i}.key`, value: `present.${i}.value` };
}

export function checkGraph(session: ort.InferenceSession, dims: ModelDims, onnxPath: string): GraphSignature {
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m]));
  const fail = (message: string): never => {
    throw new ModelFolderError('graph-mismatch', message, onnxPath);
  };
  if (!inputs.has('input_ids'))
    fail(`the graph has no input_ids input (inputs: ${[...inputs.keys()].join(', ')})`);
  if (!outputs.has('logits'))
    fail(`the graph has no logits output (outputs: ${[...outputs.keys()].join(', ')})`);
  const pastInputs = [...inputs.keys()].filter((n) => n.startsWith('past_key_values.'));
  if (pastInputs.length === 0) {
    fail(
      'the graph has no past_key_values.* inputs: export it with the KV cache (task text-generation-with-past)',
    );
  }
  for (const name of inputs.keys()) {
    if (!KNOWN_INPUTS.has(name) && !/^past_key_values\.\d+\.(key|value)$/.test(name)) {
      fail(`the graph has an input the engine cannot feed: ${name}`);
    }
  }
  if (pastInputs.length !== 2 * dims.layers) {
    fail(
      `the graph has ${pastInputs.length} past_key_values inputs (${pastInputs.length / 2} layers) but config.json says ` +
        `num_hidden_layers = ${dims.layers} (expected ${2 * dims.layers})`,
    );
  }
  const pastNames: GraphSignature['pastNames'] = [];
  const presentNames: GraphSignature['presentNames'] = [];
  for (let i = 0; i < dims.layers; i++) {
    const past = { key: `past_key_values.${i}.key`, value: `past_key_values.${i}.value` };
    const present = presentName(i);
    for (const name of [past.key, past.value]) {
      if (!inputs.has(name)) fail(`the graph has no ${name} input (config.json says ${dims.layers} layers)`);
      checkKvShape(inputs.get(name), dims, `input ${name}`, onnxPath);
    }
    for (const name of [present.key, present.value]) {
      if (!outputs.has(name))
        fail(`the graph has no ${name} output (config.json says ${dims.layers} layers)`);
      checkKvShape(outputs.get(name), dims, `output ${name}`, onnxPath);
    }
    pastNames.push(past);
    presentNames.push(present);
  }
  const logits = outputs.get('logits');
  if (logits?.isTensor && logits.shape.length === 3) {
    const v = logits.shape[2];
    if (typeof v === 'number' && v !== dims.vocab) {
      fail(`output logits has vocabulary size ${v} but config.json says vocab_size = ${dims.vocab}`);
    }
  }
  const kvType = tensorType(inputs.get('past_key_values.0.key'));
  if (kvType !== undefined && kvType !== 'float32' && kvType !== 'float16') {
    fail(`past_key_values.0.key is ${kvType}; only float32 and float16 caches are supported`);
  }
  const logitsType = tensorType(logits);
  if (logitsType !== undefined && logitsType !== 'float32' && logitsType !== 'float16') {
    fail(`logits are ${logitsType}; only float32 and float16 are supported`);
  }
  const keepName = LOGITS_TO_KEEP.find((n) => inputs.has(n));
  let logitsToKeep: GraphSignature['logitsToKeep'];
  if (keepName) {
    const meta = inputs.get(keepName);
    const type = tensorType(meta);
    if (type !== undefined && type !== 'int64')
      fail(`${keepName} is ${type}; expected an int64 count of positions`);
    const rank = meta?.isTensor ? meta.shape.length : 0;
    if (rank > 1) fail(`${keepName} has rank ${rank}; expected a scalar or one value`);
    logitsToKeep = { name: keepName, shape: rank === 1 ? [1] : [] };
  }
  return {
    hasPositionIds: inputs.has('position_ids'),
    logitsToKeep,
    hasAttentionMask: inputs.has('attention_mask'),
    hasUseCacheBranch: inputs.has('use_cache_branch'),
    pastNames,
    presentNames,
    kvType: kvType === 'float16' ? 'float16' : 'float32',
    logitsType: logitsType === 'float16' ? 'float16' : 'float32',
  };
}
