// Adapts the engine's LoadedModel to what the inspector needs (tokens with spans, sessions, full passes).
import { halvesToFloats } from '../math';
import { emptyCache, releaseCache, runInChunks, runStep } from '../model/forward';
import type { LoadedModel } from '../model/model';
import { createSession } from '../model/session';
import type { InspectableModel } from './inspector';

function asFloat32(data: unknown): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return halvesToFloats(data);
  throw new Error('an inspected tensor is neither float32 nor float16');
}

export function inspectableModel(model: LoadedModel, options: { threads?: number } = {}): InspectableModel {
  return {
    onnxPath: model.folder.onnxPath,
    dims: model.dims,
    config: model.folder.config,
    bosId: model.bosId,
    tokenize: (text) =>
      model.tokenizer
        .encode(text, { addSpecialTokens: false })
        .pieces.map(({ id, text: t, bytes, start, end }) => ({
          id,
          text: t,
          bytes,
          start,
          end,
        })),
    tokenText: (id) => model.tokenizer.tokenText(id),
    ...(model.runGraph ? { runGraph: model.runGraph } : {}),
    ownSession: model.session,
    // attention and the lens need intermediate outputs: a session of their own, where generation runs
    openSession: async (edited) =>
      (
        await createSession('path' in edited ? edited.path : edited.bytes, {
          ep: model.provider.used,
          ...(options.threads === undefined ? {} : { threads: options.threads }),
          ...('path' in edited ? {} : { externalDataFolder: edited.externalDataFolder }),
        })
      ).session,
    openCpuSession: async (bytes) =>
      (
        await createSession(bytes, {
          ep: 'cpu',
          label: "the inspector's statistics graph",
          ...(options.threads === undefined ? {} : { threads: options.threads }),
        })
      ).session,
    runChunks: (session, ids, chunk, visit) =>
      runInChunks(session, model, ids, chunk, (step, first) => visit(step.logits, first)),
    run: async (session, ids, fetches) => {
      const extra = fetches.filter((f) => f !== 'logits');
      const out = await runStep(session, model, ids, emptyCache(model), { extraOutputs: extra });
      releaseCache(out.present); // the model's own session keeps its KV cache on the device (WebGPU)
      const result: Record<string, Float32Array> = {};
      for (const f of fetches) result[f] = f === 'logits' ? out.logits : asFloat32(out.extras[f]?.data);
      return result;
    },
  };
}
