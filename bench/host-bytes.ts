// Counts what crosses between JavaScript and ONNX Runtime per run: each fed and fetched tensor's place and bytes.
import type * as ort from 'onnxruntime-node';

export interface Crossing {
  name: string;
  /** 'cpu' for a JS array; 'gpu-buffer' for a WebGPU buffer that JS never reads. */
  location: string;
  /** Bytes in JS memory (0 for device buffers). */
  bytes: number;
}

export interface RecordedRun {
  feeds: Crossing[];
  outputs: Crossing[];
}

function crossings(tensors: Record<string, ort.Tensor>): Crossing[] {
  return Object.entries(tensors).map(([name, t]) => ({
    name,
    location: t.location,
    bytes: t.location === 'cpu' ? (t.data as ArrayBufferView).byteLength : 0,
  }));
}

/** A session that records, at each run (before the engine frees anything), where its tensors live. */
export function recordedSession(session: ort.InferenceSession): {
  spy: ort.InferenceSession;
  runs: RecordedRun[];
} {
  const runs: RecordedRun[] = [];
  const spy = new Proxy(session, {
    get(target, key, receiver) {
      if (key !== 'run') return Reflect.get(target, key, receiver) as unknown;
      return async (feeds: Record<string, ort.Tensor>, fetches: string[]) => {
        const fed = crossings(feeds);
        const outputs = (await target.run(feeds, fetches)) as Record<string, ort.Tensor>;
        runs.push({ feeds: fed, outputs: crossings(outputs) });
        return outputs;
      };
    },
  });
  return { spy, runs };
}

/** Bytes copied between JS and ORT in one run, and the KV cache's share of them. */
export function hostBytes(run: RecordedRun): { total: number; kv: number } {
  let total = 0;
  let kv = 0;
  for (const c of [...run.feeds, ...run.outputs]) {
    total += c.bytes;
    if (/^(past_key_values|present)\./.test(c.name)) kv += c.bytes;
  }
  return { total, kv };
}
