// Adapts the engine's LoadedModel to what the inspector needs (tokens with spans, sessions, full passes).
import { halvesToFloats } from '../math';
import { emptyCache, releaseCache, runStep, type StepOutput } from '../model/forward';
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
    runChunks: async (session, ids, chunk, visit) => {
      let cache = emptyCache(model);
      let pending: Promise<StepOutput> | undefined = runStep(session, model, ids.slice(0, chunk), cache);
      try {
        for (let first = 0; first < ids.length; first += chunk) {
          const out: StepOutput = await (pending as Promise<StepOutput>);
          pending = undefined;
          cache = out.present;
          // ONNX Runtime computes the next chunk on its threads (taking over the cache) while this one is visited
          const next = ids.slice(first + chunk, first + 2 * chunk);
          if (next.length > 0) pending = runStep(session, model, next, cache);
          visit(out.logits, first);
        }
      } finally {
        if (pending) {
          const last = await pending.catch(() => undefined);
          if (last) releaseCache(last.present);
        } else releaseCache(cache);
      }
    },
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
