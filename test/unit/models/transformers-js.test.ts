// Transformers.js, an independent client, loads every model folder offline and generates what plain ORT does.
import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import { dims, greedyWithCache, modelFolders, openSession, readJson } from '../../support/model-folder';

env.allowRemoteModels = false; // nothing may come from the Hub: the folder alone must be enough

const prompts = ['function add(a, b) {\n', 'import os\n\ndef main():\n', '// Returns the largest element\n'];
const NEW_TOKENS = 32;

for (const { name, dir } of modelFolders()) {
  describe(`Transformers.js on ${name}`, () => {
    test('greedy tokens equal a plain onnxruntime-node KV-cache loop', async () => {
      env.localModelPath = dirname(dir);
      const tok = await AutoTokenizer.from_pretrained(basename(dir));
      const model = (await AutoModelForCausalLM.from_pretrained(basename(dir), {
        dtype: 'fp32',
        device: 'cpu',
      })) as PreTrainedModel;
      const session = await openSession(dir);
      const d = dims(dir);
      const eos = ([] as number[]).concat(readJson<{ eos_token_id: number | number[] }>(join(dir, 'config.json')).eos_token_id);
      for (const prompt of prompts) {
        const inputs = tok(prompt) as { input_ids: Tensor; attention_mask: Tensor };
        const promptIds = (inputs.input_ids.tolist() as bigint[][])[0]?.map(Number) ?? [];
        const out = (await model.generate({
          ...inputs,
          max_new_tokens: NEW_TOKENS,
          do_sample: false,
          repetition_penalty: 1.0,
        })) as Tensor;
        const generated = ((out.tolist() as bigint[][])[0] ?? []).map(Number).slice(promptIds.length);
        const ours = await greedyWithCache(session, d, promptIds, NEW_TOKENS, eos);
        assert.ok(generated.length > 0);
        assert.deepEqual(generated, ours, `${name}: ${JSON.stringify(prompt)}`);
      }
      await model.dispose();
    });
  });
}
