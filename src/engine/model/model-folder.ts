// Reads and validates a Transformers.js/Optimum model folder: configs, tokenizer files, chat template, ONNX file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ModelDims } from '../../protocol/engine-methods';
import { idList, normaliseDims } from './model-config';
import { ModelFolderError } from './model-errors';

export { ModelFolderError } from './model-errors';

type Json = Record<string, unknown>;

/** Transformers.js dtype names -> ONNX file suffix. */
export const DTYPE_SUFFIX: Readonly<Record<string, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};
/** Which dtype to take when none is asked for: full precision first. */
const DEFAULT_ORDER = ['fp32', 'q8', 'q4', 'fp16', 'q4f16', 'int8', 'uint8', 'bnb4'];
/** File stems, newest layout first; `decoder_model_merged` is the older merged decoder (use_cache_branch). */
const STEMS = ['model', 'decoder_model_merged'];

export interface SpecialTokens {
  bos?: string;
  eos?: string;
  pad?: string;
  unk?: string;
}

export interface ModelFolder {
  dir: string;
  /** The folder's name, e.g. `glassbox-tiny`. */
  name: string;
  config: Json;
  generationConfig: Json;
  tokenizerJson: Json;
  tokenizerConfig: Json;
  /** The default chat template, when the folder has one. */
  chatTemplate: string | undefined;
  /** Every named template (`default` included when there is one). */
  chatTemplates: Record<string, string>;
  specialTokens: SpecialTokens;
  onnxPath: string;
  dtype: string;
  /** External weight files next to the ONNX file (`model.onnx_data`, ...). */
  externalData: string[];
  dims: ModelDims;
  bosId: number | undefined;
  eosIds: number[];
}

function readJsonFile(path: string, required: boolean): Json | undefined {
  if (!existsSync(path)) {
    if (!required) return undefined;
    throw new ModelFolderError('missing-file', `${basename(path)} is missing from ${dirname(path)}`, path);
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ModelFolderError(
      'bad-json',
      `${basename(path)} is not valid JSON: ${(e as Error).message}`,
      path,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelFolderError('bad-json', `${basename(path)} must hold a JSON object`, path);
  }
  return value as Json;
}

/** A special token as tokenizer_config writes it: a string or an AddedToken-like `{ content }`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Json).content === 'string') {
    return (value as Json).content as string;
  }
  return undefined;
}

function chatTemplates(dir: string, tokenizerConfig: Json): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (value: unknown, where: string) => {
    if (typeof value === 'string') out.default ??= value;
    else if (Array.isArray(value)) {
      for (const item of value as Json[]) {
        if (typeof item?.name === 'string' && typeof item.template === 'string')
          out[item.name] ??= item.template;
      }
    } else if (value !== undefined && value !== null) {
      throw new ModelFolderError(
        'bad-config',
        `${where}: chat_template must be a string or a list of { name, template }`,
        join(dir, where),
      );
    }
  };
  add(tokenizerConfig.chat_template, 'tokenizer_config.json');
  const jinja = join(dir, 'chat_template.jinja');
  if (out.default === undefined && existsSync(jinja)) out.default = readFileSync(jinja, 'utf8');
  const json = readJsonFile(join(dir, 'chat_template.json'), false);
  if (json) add(json.chat_template, 'chat_template.json');
  return out;
}

function onnxCandidates(dir: string, dtype: string): string[] {
  const suffix = DTYPE_SUFFIX[dtype];
  if (suffix === undefined) {
    throw new ModelFolderError(
      'bad-config',
      `unknown dtype "${dtype}" (known: ${Object.keys(DTYPE_SUFFIX).join(', ')})`,
    );
  }
  return [join(dir, 'onnx'), dir].flatMap((d) => STEMS.map((stem) => join(d, `${stem}${suffix}.onnx`)));
}

function pickOnnx(dir: string, dtype: string | undefined): { path: string; dtype: string } {
  for (const d of dtype ? [dtype] : DEFAULT_ORDER) {
    const path = onnxCandidates(dir, d).find((p) => existsSync(p));
    if (path) return { path, dtype: d };
  }
  const present = [join(dir, 'onnx'), dir]
    .filter((d) => existsSync(d))
    .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.onnx')));
  const wanted = dtype ? `onnx/model${DTYPE_SUFFIX[dtype] ?? ''}.onnx (dtype ${dtype})` : 'onnx/model.onnx';
  throw new ModelFolderError(
    'missing-file',
    `${wanted} is missing from ${dir}` +
      (present.length ? ` (found: ${present.join(', ')})` : ' (no .onnx file found)'),
    join(dir, 'onnx'),
  );
}

function externalData(onnxPath: string): string[] {
  const name = basename(onnxPath);
  return readdirSync(dirname(onnxPath))
    .filter((f) => f !== name && f.startsWith(name) && /(_data|\.data)(_\d+)?$/.test(f))
    .map((f) => join(dirname(onnxPath), f));
}

/** Reads and validates every file of the folder (no ONNX session yet: see graph-check.ts for the graph). */
export function loadModelFolder(dirIn: string, options: { dtype?: string } = {}): ModelFolder {
  const dir = resolve(dirIn);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ModelFolderError('missing-file', `model folder ${dir} does not exist`, dir);
  }
  const configPath = join(dir, 'config.json');
  const config = readJsonFile(configPath, true) as Json;
  const generationConfig = readJsonFile(join(dir, 'generation_config.json'), false) ?? {};
  const tokenizerJson = readJsonFile(join(dir, 'tokenizer.json'), true) as Json;
  if (typeof tokenizerJson.model !== 'object' || tokenizerJson.model === null) {
    throw new ModelFolderError('bad-json', 'tokenizer.json: "model" is missing', join(dir, 'tokenizer.json'));
  }
  const tokenizerConfig = readJsonFile(join(dir, 'tokenizer_config.json'), true) as Json;
  const dims = normaliseDims(config, configPath);
  const onnx = pickOnnx(dir, options.dtype);
  if (statSync(onnx.path).size === 0) {
    throw new ModelFolderError('bad-onnx', `${basename(onnx.path)} is empty`, onnx.path);
  }
  const specialTokens: SpecialTokens = {};
  for (const key of ['bos', 'eos', 'pad', 'unk'] as const) {
    const text = tokenText(tokenizerConfig[`${key}_token`]);
    if (text !== undefined) specialTokens[key] = text;
  }
  const templates = chatTemplates(dir, tokenizerConfig);
  const bos = idList(config.bos_token_id ?? generationConfig.bos_token_id)[0];
  const eosIds = [...new Set([...idList(config.eos_token_id), ...idList(generationConfig.eos_token_id)])];
  for (const id of [bos, ...eosIds]) {
    if (id !== undefined && id >= dims.vocab) {
      throw new ModelFolderError(
        'bad-config',
        `config.json: special token id ${id} is outside the vocabulary (${dims.vocab})`,
        configPath,
      );
    }
  }
  return {
    dir,
    name: basename(dir),
    config,
    generationConfig,
    tokenizerJson,
    tokenizerConfig,
    chatTemplate: templates.default,
    chatTemplates: templates,
    specialTokens,
    onnxPath: onnx.path,
    dtype: onnx.dtype,
    externalData: externalData(onnx.path),
    dims,
    bosId: bos,
    eosIds,
  };
}
