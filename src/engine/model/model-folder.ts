// Reads and validates a Transformers.js/Optimum model folder: configs, tokenizer files, chat template, ONNX file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { ModelDims } from '../../protocol/engine-methods';
import { DTYPE_SUFFIX } from '../../protocol/dtypes';
import { modelDisplayName } from '../../protocol/model-name';
import { assertReadableFile, statIfPresent } from './file-access';
import { idList, normaliseDims } from './model-config';
import { ModelFolderError } from './model-errors';

export { ModelFolderError } from './model-errors';

type Json = Record<string, unknown>;

/** When the folder has no fp32 file (Transformers.js would stop there), the variant taken instead: best first. */
const FALLBACK_ORDER = ['q8', 'fp16', 'q4', 'q4f16', 'int8', 'uint8', 'bnb4', 'q2', 'q2f16', 'q1', 'q1f16'];
/** File stems, newest layout first; `decoder_model_merged` is the older merged decoder (use_cache_branch). */
const STEMS = ['model', 'decoder_model_merged'];
/** Transformers.js refuses more external data chunks than this (utils/hub.js MAX_EXTERNAL_DATA_CHUNKS). */
const MAX_EXTERNAL_DATA_CHUNKS = 100;

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
  /** The file each template was read from (tokenizer_config.json, chat_template.jinja, chat_template.json). */
  chatTemplateFiles: Record<string, string>;
  specialTokens: SpecialTokens;
  onnxPath: string;
  dtype: string;
  /** Why this ONNX file was taken, in words (asked for, config.json's transformers.js_config, the default, ...). */
  dtypeReason: string;
  /** External weight files next to the ONNX file (`model.onnx_data`, ...). */
  externalData: string[];
  dims: ModelDims;
  bosId: number | undefined;
  eosIds: number[];
}

function readJsonFile(path: string, required: boolean): Json | undefined {
  const st = statIfPresent(path);
  if (!st) {
    if (!required) return undefined;
    throw new ModelFolderError('missing-file', `${basename(path)} is missing from ${dirname(path)}`, path);
  }
  assertReadableFile(path, basename(path), st);
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

/** Every named template and the file it was read from, by precedence: tokenizer_config.json, the .jinja, the .json. */
function chatTemplates(
  dir: string,
  tokenizerConfig: Json,
): { templates: Record<string, string>; files: Record<string, string> } {
  const templates: Record<string, string> = {};
  const files: Record<string, string> = {};
  const take = (name: string, template: string, file: string) => {
    if (templates[name] !== undefined) return;
    templates[name] = template;
    files[name] = file;
  };
  const add = (value: unknown, where: string) => {
    if (typeof value === 'string') take('default', value, where);
    else if (Array.isArray(value)) {
      for (const item of value as Json[]) {
        if (typeof item?.name === 'string' && typeof item.template === 'string')
          take(item.name, item.template, where);
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
  if (templates.default === undefined && existsSync(jinja))
    take('default', readFileSync(jinja, 'utf8'), 'chat_template.jinja');
  const json = readJsonFile(join(dir, 'chat_template.json'), false);
  if (json) add(json.chat_template, 'chat_template.json');
  return { templates, files };
}

function onnxCandidates(dir: string, dtype: string): string[] {
  const suffix = DTYPE_SUFFIX[dtype] as string;
  return [join(dir, 'onnx'), dir].flatMap((d) => STEMS.map((stem) => join(d, `${stem}${suffix}.onnx`)));
}

function checkDtype(dtype: string, where: string, path?: string): string {
  if (DTYPE_SUFFIX[dtype] === undefined) {
    throw new ModelFolderError(
      'bad-config',
      `${where}: unknown dtype "${dtype}" (known: ${Object.keys(DTYPE_SUFFIX).join(', ')})`,
      path,
    );
  }
  return dtype;
}

/** `transformers.js_config` as Transformers.js reads it: its `device_config[device]` entries laid over the rest. */
function transformersJsConfig(config: Json, device: string): Json {
  const raw = config['transformers.js_config'];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const base = raw as Json;
  const perDevice = (base.device_config as Json | undefined)?.[device];
  return typeof perDevice === 'object' && perDevice !== null ? { ...base, ...(perDevice as Json) } : base;
}

/** A config value that is either one setting or a map by file name (`model`, `model_q4.onnx`, ...). */
function perFile(value: unknown, names: string[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const key = names.find((n) => Object.hasOwn(value, n));
  return key === undefined ? undefined : (value as Json)[key];
}

interface OnnxChoice {
  path: string;
  dtype: string;
  reason: string;
}

/**
 * Transformers.js's rules: the dtype asked for, else `transformers.js_config.dtype` (one for all files or per file,
 * `auto` meaning "no preference"), else fp32. Where Transformers.js would then fail on a folder without the fp32
 * file, Glassbox takes the first variant present and says so.
 */
function pickOnnx(dir: string, config: Json, dtype: string | undefined, device: string): OnnxChoice {
  const configPath = join(dir, 'config.json');
  const present = (d: string) => onnxCandidates(dir, d).find((p) => existsSync(p));
  const chosen = (d: string, reason: string): OnnxChoice => {
    const path = present(d);
    if (path) return { path, dtype: d, reason };
    const files = [join(dir, 'onnx'), dir]
      .filter((f) => existsSync(f))
      .flatMap((f) => readdirSync(f).filter((n) => n.endsWith('.onnx')));
    throw new ModelFolderError(
      'missing-file',
      `onnx/model${DTYPE_SUFFIX[d]}.onnx is missing from ${dir}` +
        (files.length ? ` (found: ${files.join(', ')})` : ' (no .onnx file found)') +
        `; dtype ${d} is ${reason}`,
      join(dir, 'onnx'),
    );
  };
  if (dtype) return chosen(checkDtype(dtype, 'dtype'), 'the one asked for');
  const fromConfig = perFile(transformersJsConfig(config, device).dtype, STEMS);
  if (typeof fromConfig === 'string' && fromConfig !== 'auto') {
    return chosen(
      checkDtype(fromConfig, 'config.json transformers.js_config.dtype', configPath),
      "config.json's transformers.js_config.dtype",
    );
  }
  if (present('fp32')) return chosen('fp32', "Transformers.js's default in Node.js");
  const other = FALLBACK_ORDER.find((d) => present(d));
  if (other) return chosen(other, 'the folder has no fp32 model.onnx; the first variant present');
  return chosen('fp32', "Transformers.js's default in Node.js");
}

/** The external data chunks `transformers.js_config.use_external_data_format` names for this file; each must exist. */
function declaredChunks(config: Json, configPath: string, device: string, onnx: OnnxChoice): void {
  const file = basename(onnx.path);
  const stem = STEMS.find((s) => file === `${s}${DTYPE_SUFFIX[onnx.dtype]}.onnx`) ?? file;
  const setting = perFile(transformersJsConfig(config, device).use_external_data_format, [file, stem]);
  const chunks = Number(setting ?? 0);
  if (!Number.isInteger(chunks) || chunks < 0 || chunks > MAX_EXTERNAL_DATA_CHUNKS) {
    throw new ModelFolderError(
      'bad-config',
      `config.json: transformers.js_config.use_external_data_format for ${file} must be true, false or a count of ` +
        `chunks up to ${MAX_EXTERNAL_DATA_CHUNKS}, got ${JSON.stringify(setting)}`,
      configPath,
    );
  }
  for (let i = 0; i < chunks; i++) {
    const chunk = join(dirname(onnx.path), `${file}_data${i === 0 ? '' : `_${i}`}`);
    if (!existsSync(chunk)) {
      throw new ModelFolderError(
        'missing-file',
        `${basename(chunk)} is missing beside ${file}: config.json's transformers.js_config.use_external_data_format ` +
          `says the weights are in ${chunks} file${chunks === 1 ? '' : 's'}`,
        chunk,
      );
    }
  }
}

function externalData(onnxPath: string): string[] {
  const name = basename(onnxPath);
  return readdirSync(dirname(onnxPath))
    .filter((f) => f !== name && f.startsWith(name) && /(_data|\.data)(_\d+)?$/.test(f))
    .map((f) => join(dirname(onnxPath), f));
}

/** Reads and validates every file of the folder (no ONNX session yet: see graph-check.ts for the graph). */
export function loadModelFolder(
  dirIn: string,
  options: {
    dtype?: string;
    /** The Transformers.js device name whose `device_config` applies (default cpu). */
    device?: string;
  } = {},
): ModelFolder {
  const dir = resolve(dirIn);
  const st = statIfPresent(dir, `model folder ${dir}`);
  if (!st) throw new ModelFolderError('missing-file', `model folder ${dir} does not exist`, dir);
  if (!st.isDirectory()) {
    throw new ModelFolderError(
      'unreadable',
      `${dir} is a file, not a model folder (give the folder holding config.json and onnx/)`,
      dir,
    );
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
  const device = options.device ?? 'cpu';
  const onnx = pickOnnx(dir, config, options.dtype, device);
  declaredChunks(config, configPath, device, onnx);
  // ONNX Runtime would say only "system error number 13" for a file it may not read
  const weights = externalData(onnx.path);
  for (const f of [onnx.path, ...weights]) assertReadableFile(f, relative(dir, f));
  if (statSync(onnx.path).size === 0) {
    throw new ModelFolderError('bad-onnx', `${basename(onnx.path)} is empty`, onnx.path);
  }
  const specialTokens: SpecialTokens = {};
  for (const key of ['bos', 'eos', 'pad', 'unk'] as const) {
    const text = tokenText(tokenizerConfig[`${key}_token`]);
    if (text !== undefined) specialTokens[key] = text;
  }
  const chat = chatTemplates(dir, tokenizerConfig);
  const generationPath = join(dir, 'generation_config.json');
  const ids = (json: Json, file: string, path: string, key: string) => idList(json[key], { file, key, path });
  const bos =
    config.bos_token_id !== undefined && config.bos_token_id !== null
      ? ids(config, 'config.json', configPath, 'bos_token_id')[0]
      : ids(generationConfig, 'generation_config.json', generationPath, 'bos_token_id')[0];
  const eosIds = [
    ...new Set([
      ...ids(config, 'config.json', configPath, 'eos_token_id'),
      ...ids(generationConfig, 'generation_config.json', generationPath, 'eos_token_id'),
    ]),
  ];
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
    name: modelDisplayName(dir),
    config,
    generationConfig,
    tokenizerJson,
    tokenizerConfig,
    chatTemplate: chat.templates.default,
    chatTemplates: chat.templates,
    chatTemplateFiles: chat.files,
    specialTokens,
    onnxPath: onnx.path,
    dtype: onnx.dtype,
    dtypeReason: onnx.reason,
    externalData: weights,
    dims,
    bosId: bos,
    eosIds,
  };
}
