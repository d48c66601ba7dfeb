// A loaded model: validated folder (chat templates parsed) + tokenizer + ORT session on the chosen provider + checked graph signature.
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { checkChatTemplates } from './chat-template';
import { checkGraph, presentName, type GraphSignature } from './graph-check';
import type { ModelDims } from '../../protocol/engine-methods';
import { loadModelFolder, type ModelFolder } from './model-folder';
import type { ExecutionProviderChoice, ProviderReport } from '../../protocol/engine-methods';
import { buildRunGraphs, type CpuAccuracy, type RunGraph } from './run-graph';
import { createSession } from './session';
import { TextTokenizer } from './tokenizer';

export interface LoadOptions {
  dtype?: string;
  ep?: ExecutionProviderChoice;
  /** CPU intra-op threads (undefined: ORT default). */
  threads?: number;
  /** Keep the KV cache in device memory between steps on WebGPU (default true; false copies it through JS). */
  kvOnDevice?: boolean;
  /** How MatMulNBits computes on the CPU: the model's own accuracy level, or int8 activations (faster). */
  cpuAccuracy?: CpuAccuracy;
}

export interface LoadedModel {
  folder: ModelFolder;
  dims: ModelDims;
  tokenizer: TextTokenizer;
  session: ort.InferenceSession;
  signature: GraphSignature;
  provider: ProviderReport;
  /** The graph the session runs (see run-graph.ts); undefined when the file could not be rewritten and runs as is. */
  runGraph: RunGraph | undefined;
  bosId: number | undefined;
  /** Generation stops at any of these (config.json and generation_config.json, else the tokenizer's eos_token). */
  eosIds: number[];
  loadMs: number;
}

/** Loads and validates a model folder; every problem is a ModelFolderError with a stable code. */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const t0 = performance.now();
  // transformers.js_config.device_config is keyed by Transformers.js device names, which equal ours but for auto
  const device = options.ep === undefined || options.ep === 'auto' ? 'cpu' : options.ep;
  const folder = loadModelFolder(dir, {
    device,
    ...(options.dtype === undefined ? {} : { dtype: options.dtype }),
  });
  checkChatTemplates(folder); // a template that does not parse fails the load, not the first chat
  const tokenizer = new TextTokenizer(
    folder.tokenizerJson,
    folder.tokenizerConfig,
    join(folder.dir, 'tokenizer.json'),
  );
  let graphs: { any: RunGraph; cpu: RunGraph } | undefined;
  try {
    graphs = buildRunGraphs(folder.onnxPath, { cpuAccuracy: options.cpuAccuracy ?? 'model' });
  } catch {
    graphs = undefined; // not a protobuf this reader follows: ONNX Runtime opens the file itself and says what is wrong
  }
  const { session, provider } = await createSession(graphs?.any.bytes ?? folder.onnxPath, {
    ...(graphs
      ? {
          externalDataFolder: graphs.any.externalDataFolder,
          label: folder.onnxPath,
          ...(graphs.cpu !== graphs.any ? { cpuModel: graphs.cpu.bytes } : {}),
        }
      : {}),
    ...(options.ep === undefined ? {} : { ep: options.ep }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.kvOnDevice === false
      ? {}
      : {
          deviceOutputs: Array.from({ length: folder.dims.layers }, (_, i) => presentName(i)).flatMap((p) => [
            p.key,
            p.value,
          ]),
        }),
  });
  let signature: GraphSignature;
  try {
    signature = checkGraph(session, folder.dims, folder.onnxPath);
  } catch (e) {
    await session.release();
    throw e;
  }
  const eosToken = folder.specialTokens.eos;
  const fallbackEos = eosToken === undefined ? undefined : tokenizer.tokenToId(eosToken);
  const eosIds = folder.eosIds.length > 0 || fallbackEos === undefined ? folder.eosIds : [fallbackEos];
  const bosToken = folder.specialTokens.bos;
  const bosId = folder.bosId ?? (bosToken === undefined ? undefined : tokenizer.tokenToId(bosToken));
  return {
    folder,
    dims: folder.dims,
    tokenizer,
    session,
    signature,
    provider,
    runGraph: graphs && (provider.used === 'cpu' ? graphs.cpu : graphs.any),
    bosId,
    eosIds,
    loadMs: performance.now() - t0,
  };
}

export async function disposeModel(model: LoadedModel): Promise<void> {
  await model.session.release();
}
