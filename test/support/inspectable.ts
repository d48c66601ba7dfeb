// Test support: an InspectableModel over a model folder built from plain onnxruntime-node and the tokenizer.
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import type { InspectableModel } from '../../src/engine/inspect/inspector';
import { dims, emptyPast, readJson } from './model-folder';

export function inspectable(dir: string): InspectableModel {
  const d = dims(dir);
  const tok = new Tokenizer(
    readJson(join(dir, 'tokenizer.json')),
    readJson(join(dir, 'tokenizer_config.json')),
  );
  const config = readJson(join(dir, 'config.json'));
  return {
    onnxPath: join(dir, 'onnx', 'model.onnx'),
    dims: { ...d, contextLength: d.ctx },
    config,
    bosId: config.bos_token_id as number,
    tokenize: (text) =>
      tok
        .encode(text, { add_special_tokens: false })
        .ids.map((id) => ({ id, text: '', bytes: new Uint8Array(), start: 0, end: 0 })),
    tokenText: (id) => tok.id_to_token(id) ?? '',
    openSession: (path) =>
      ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: 1 }),
    run: async (session, ids, fetches) => {
      const n = ids.length;
      const i64 = (xs: number[]) =>
        new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
      const feeds: Record<string, ort.Tensor> = {
        input_ids: i64(ids),
        attention_mask: i64(new Array<number>(n).fill(1)),
        ...emptyPast(d),
      };
      if (session.inputNames.includes('position_ids')) feeds.position_ids = i64(ids.map((_, i) => i));
      return session.run(feeds, fetches);
    },
  };
}
