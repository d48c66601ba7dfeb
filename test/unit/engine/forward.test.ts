// runStep against plain onnxruntime-node (test/support): same logits for prefill and cached steps; feeds; context guard.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  ContextLengthError,
  emptyCache,
  logitsRow,
  runStep,
  type StepModel,
} from '../../../src/engine/model/forward';
import { checkGraph } from '../../../src/engine/model/graph-check';
import { disposeModel, loadModel, type LoadedModel } from '../../../src/engine/model/model';
import {
  dims,
  emptyPast,
  fixturesDir,
  maxAbsDiff,
  modelFolders,
  openSession,
  step,
} from '../../support/model-folder';

const prompt = [1, 75, 3936, 79, 358, 224, 176, 257, 250, 226, 224, 4526, 248];
const loaded: LoadedModel[] = [];
after(async () => {
  for (const m of loaded) await disposeModel(m);
});

for (const { name, dir } of modelFolders()) {
  describe(`runStep on ${name}`, () => {
    test('prefill and two cached steps give the reference logits (1e-4)', async () => {
      const model = await loadModel(dir, { ep: 'cpu', threads: 1 });
      loaded.push(model);
      const refSession = await openSession(dir);
      const d = dims(dir);
      const ours = await runStep(model.session, model, prompt, emptyCache(model));
      const ref = await step(refSession, d, prompt, emptyPast(d));
      assert.equal(ours.rows, prompt.length);
      assert.ok(maxAbsDiff(ours.logits, ref.logits) < 1e-4);
      let past = ours.present;
      let refPast = ref.past;
      for (const id of [42, 7]) {
        const a = await runStep(model.session, model, [id], past);
        const b = await step(refSession, d, [id], refPast);
        assert.ok(maxAbsDiff(logitsRow(a, d.vocab), b.logits) < 1e-4);
        past = a.present;
        refPast = b.past;
      }
      assert.equal(past.length, prompt.length + 2);
      await refSession.release();
    });

    test('the cache grows by the fed tokens', async () => {
      const model =
        loaded.find((m) => m.folder.dir === dir) ?? (await loadModel(dir, { ep: 'cpu', threads: 1 }));
      const out = await runStep(model.session, model, [1, 2, 3], emptyCache(model));
      const next = await runStep(model.session, model, [4], out.present, { extraOutputs: [] });
      assert.equal(Object.keys(out.present.feeds).length, 2 * model.dims.layers);
      assert.equal(out.present.feeds['past_key_values.0.key']?.dims[2], 3);
      assert.equal(next.present.feeds['past_key_values.0.key']?.dims[2], 4);
    });
  });
}

describe('feeds and guards', () => {
  test('extra outputs are fetched by name', async () => {
    const model = loaded[0] as LoadedModel;
    const out = await runStep(model.session, model, [1, 2], emptyCache(model), {
      extraOutputs: ['present.0.key'],
    });
    assert.deepEqual(out.extras['present.0.key']?.dims, [1, model.dims.kvHeads, 2, model.dims.headDim]);
  });

  test('a step that would pass the context length throws ContextLengthError', async () => {
    const model = loaded[0] as LoadedModel;
    const ids = new Array<number>(model.dims.contextLength + 1).fill(5);
    await assert.rejects(runStep(model.session, model, ids, emptyCache(model)), (e: unknown) => {
      assert.ok(e instanceof ContextLengthError);
      assert.equal(e.code, 'context-length');
      assert.match(e.message, /needs 513 positions but the model's context holds 512/);
      return true;
    });
  });

  test('older merged decoders get use_cache_branch (false for the first step, true after)', async () => {
    const fed: Record<string, ort.Tensor>[] = [];
    const meta = (name: string, type: string, shape: (number | string)[]) => ({
      name,
      isTensor: true as const,
      type,
      shape,
    });
    const fake = {
      inputMetadata: [
        meta('input_ids', 'int64', ['b', 's']),
        meta('attention_mask', 'int64', ['b', 't']),
        meta('use_cache_branch', 'bool', [1]),
        meta('past_key_values.0.key', 'float32', ['b', 2, 'p', 4]),
        meta('past_key_values.0.value', 'float32', ['b', 2, 'p', 4]),
      ],
      outputMetadata: [
        meta('logits', 'float32', ['b', 's', 3]),
        meta('present.0.key', 'float32', ['b', 2, 't', 4]),
        meta('present.0.value', 'float32', ['b', 2, 't', 4]),
      ],
      run: async (feeds: Record<string, ort.Tensor>) => {
        fed.push(feeds);
        const t = (feeds.attention_mask as ort.Tensor).dims[1] as number;
        const n = (feeds.input_ids as ort.Tensor).dims[1] as number;
        const kv = () => new ort.Tensor('float32', new Float32Array(2 * t * 4), [1, 2, t, 4]);
        return {
          logits: new ort.Tensor('float32', new Float32Array(n * 3), [1, n, 3]),
          'present.0.key': kv(),
          'present.0.value': kv(),
        };
      },
    } as unknown as ort.InferenceSession;
    const dimsOf = {
      modelType: 'llama',
      layers: 1,
      heads: 4,
      kvHeads: 2,
      headDim: 4,
      hidden: 16,
      vocab: 3,
      contextLength: 8,
    };
    const model: StepModel = { dims: dimsOf, signature: checkGraph(fake, dimsOf, 'fake.onnx') };
    assert.equal(model.signature.hasUseCacheBranch, true);
    const a = await runStep(fake, model, [1, 2], emptyCache(model));
    await runStep(fake, model, [3], a.present);
    assert.deepEqual([...(fed[0]?.use_cache_branch?.data as Uint8Array)], [0]);
    assert.deepEqual([...(fed[1]?.use_cache_branch?.data as Uint8Array)], [1]);
    assert.equal(fed[0]?.position_ids, undefined);
    assert.deepEqual(fed[0]?.['past_key_values.0.key']?.dims, [1, 2, 0, 4]);
    assert.equal(fed[1]?.['past_key_values.0.key'], a.present.feeds['past_key_values.0.key']);
  });
});

describe('num_logits_to_keep', () => {
  test("a graph with the input computes only the last row when asked ('last'), every row otherwise", async () => {
    const model = await loadModel(join(fixturesDir, 'hub', 'qwen3-logits-to-keep'), {
      ep: 'cpu',
      threads: 1,
    });
    loaded.push(model);
    assert.deepEqual(model.signature.logitsToKeep, { name: 'num_logits_to_keep', shape: [] });
    const V = model.dims.vocab;
    const all = await runStep(model.session, model, prompt, emptyCache(model));
    const last = await runStep(model.session, model, prompt, emptyCache(model), { logits: 'last' });
    assert.equal(all.rows, prompt.length);
    assert.equal(last.rows, 1);
    assert.ok(maxAbsDiff(logitsRow(last, V), logitsRow(all, V)) < 1e-5);
    // the next step from the 'last' prefill's cache equals the one from the full prefill
    const a = await runStep(model.session, model, [42], all.present, { logits: 'last' });
    const b = await runStep(model.session, model, [42], last.present, { logits: 'last' });
    assert.ok(maxAbsDiff(a.logits, b.logits) < 1e-5);
  });

  test("a graph without it is given one: 'last' computes the last row, a full pass every row", async () => {
    const model = await loadModel(join(fixturesDir, 'llama-mha'), { ep: 'cpu', threads: 1 });
    loaded.push(model);
    assert.deepEqual(model.signature.logitsToKeep, { name: 'num_logits_to_keep', shape: [1] });
    const V = model.dims.vocab;
    const all = await runStep(model.session, model, prompt, emptyCache(model));
    const last = await runStep(model.session, model, prompt, emptyCache(model), { logits: 'last' });
    assert.equal(all.rows, prompt.length);
    assert.equal(last.rows, 1);
    assert.ok(maxAbsDiff(logitsRow(last, V), logitsRow(all, V)) < 1e-5);
  });
});
