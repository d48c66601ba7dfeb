// Model folder validation: every bundled/fixture layout loads; broken copies fail with named ModelFolderError codes.
import assert from 'node:assert/strict';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  statSync,
  unlinkSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadModel, disposeModel } from '../../../src/engine/model/model';
import { loadModelFolder, ModelFolderError } from '../../../src/engine/model/model-folder';
import { idList } from '../../../src/engine/model/model-config';
import { dims as referenceDims, fixturesDir, modelFolders, readJson } from '../../support/model-folder';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-folders-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A writable copy of a fixture folder, broken by `breakIt`. */
function brokenCopy(fixture: string, name: string, breakIt: (dir: string) => void): string {
  const dir = join(tmp, name);
  cpSync(join(fixturesDir, fixture), dir, { recursive: true });
  breakIt(dir);
  return dir;
}

function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): void {
  const c = readJson(join(dir, 'config.json'));
  edit(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
}

async function rejectsWith(dir: string, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadModel(dir, { ep: 'cpu', threads: 1 }), (e: unknown) => {
    assert.ok(e instanceof ModelFolderError, `expected ModelFolderError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('model folders that must load', () => {
  for (const { name, dir } of modelFolders()) {
    test(`${name}: dims, special ids and graph signature`, async () => {
      const ref = referenceDims(dir);
      const model = await loadModel(dir, { ep: 'cpu', threads: 1 });
      try {
        assert.deepEqual(
          { ...model.dims, modelType: undefined },
          {
            modelType: undefined,
            layers: ref.layers,
            heads: ref.heads,
            kvHeads: ref.kvHeads,
            headDim: ref.headDim,
            hidden: ref.hidden,
            vocab: ref.vocab,
            contextLength: ref.ctx,
          },
        );
        const config = readJson<{ bos_token_id: number; eos_token_id: number[] }>(join(dir, 'config.json'));
        assert.equal(model.bosId, config.bos_token_id);
        assert.deepEqual(model.eosIds, config.eos_token_id);
        assert.equal(model.signature.pastNames.length, ref.layers);
        assert.equal(model.signature.hasPositionIds, name !== 'gpt2' && name !== 'llama-gqa-fused');
        assert.equal(model.provider.used, 'cpu');
        assert.ok(model.folder.chatTemplate?.includes('<|im_start|>'));
      } finally {
        await disposeModel(model);
      }
    });
  }

  test('chat_template given as a list of { name, template } or as chat_template.jinja', () => {
    const list = brokenCopy('gpt2', 'template-list', (dir) => {
      const tc = readJson(join(dir, 'tokenizer_config.json'));
      tc.chat_template = [
        { name: 'tool_use', template: 'T' },
        { name: 'default', template: 'D' },
      ];
      writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tc));
    });
    const f = loadModelFolder(list);
    assert.equal(f.chatTemplate, 'D');
    assert.equal(f.chatTemplates.tool_use, 'T');
    const jinja = brokenCopy('gpt2', 'template-jinja', (dir) => {
      const tc = readJson(join(dir, 'tokenizer_config.json'));
      delete tc.chat_template;
      writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tc));
      writeFileSync(join(dir, 'chat_template.jinja'), 'J');
    });
    assert.equal(loadModelFolder(jinja).chatTemplate, 'J');
  });

  test('picks the ONNX file by dtype, also at the folder root, and lists external data', () => {
    const dir = brokenCopy('gpt2', 'dtypes', (d) => {
      renameSync(join(d, 'onnx', 'model.onnx'), join(d, 'model_quantized.onnx'));
      writeFileSync(join(d, 'model_quantized.onnx_data'), 'x');
    });
    const f = loadModelFolder(dir);
    assert.equal(f.onnxPath, join(dir, 'model_quantized.onnx'));
    assert.equal(f.dtype, 'q8');
    assert.deepEqual(f.externalData, [join(dir, 'model_quantized.onnx_data')]);
    assert.throws(
      () => loadModelFolder(dir, { dtype: 'fp16' }),
      (e: unknown) => {
        assert.ok(e instanceof ModelFolderError);
        assert.equal(e.code, 'missing-file');
        assert.match(e.message, /model_fp16\.onnx.*found: model_quantized\.onnx/);
        return true;
      },
    );
  });
});

describe("the ONNX file is chosen by Transformers.js's rules", () => {
  /** A copy of the hub llama fixture holding only the variants named (dtype -> file name). */
  function variants(name: string, files: string[], config?: (c: Record<string, unknown>) => void): string {
    return brokenCopy('hub/llama', name, (d) => {
      for (const f of [
        'model.onnx',
        'model_fp16.onnx',
        'model_q4.onnx',
        'model_q4f16.onnx',
        'model_quantized.onnx',
        'model_int8.onnx',
        'model_uint8.onnx',
      ]) {
        if (!files.includes(f)) unlinkSync(join(d, 'onnx', f));
      }
      if (config) editConfig(d, config);
    });
  }
  const tjs = (value: Record<string, unknown>) => (c: Record<string, unknown>) => {
    c['transformers.js_config'] = value;
  };

  test('fp32 by default, as Transformers.js in Node.js; the reason is given', () => {
    const f = loadModelFolder(variants('rule-default', ['model.onnx', 'model_q4.onnx']));
    assert.equal(f.dtype, 'fp32');
    assert.match(f.dtypeReason, /Transformers\.js's default/);
  });

  test("config.json's transformers.js_config.dtype: one for all, per file, per device, and auto", () => {
    const both = ['model.onnx', 'model_q4.onnx', 'model_q4f16.onnx'];
    const one = loadModelFolder(variants('rule-config', both, tjs({ dtype: 'q4' })));
    assert.equal(one.dtype, 'q4');
    assert.match(one.dtypeReason, /transformers\.js_config\.dtype/);
    assert.equal(
      loadModelFolder(variants('rule-map', both, tjs({ dtype: { model: 'q4f16' } }))).dtype,
      'q4f16',
    );
    assert.equal(loadModelFolder(variants('rule-auto', both, tjs({ dtype: 'auto' }))).dtype, 'fp32');
    const perDevice = variants(
      'rule-device',
      both,
      tjs({ dtype: 'q4', device_config: { webgpu: { dtype: 'q4f16' } } }),
    );
    assert.equal(loadModelFolder(perDevice).dtype, 'q4');
    assert.equal(loadModelFolder(perDevice, { device: 'webgpu' }).dtype, 'q4f16');
    // the dtype asked for wins over the config
    assert.equal(loadModelFolder(perDevice, { dtype: 'fp32' }).dtypeReason, 'the one asked for');
  });

  test('q2, q1, q2f16 and q1f16 are known names; an unknown one is refused with the list', () => {
    const dir = variants('rule-q2', [], (c) => c);
    cpSync(join(fixturesDir, 'hub', 'llama', 'onnx', 'model_q4.onnx'), join(dir, 'onnx', 'model_q2f16.onnx'));
    const f = loadModelFolder(dir, { dtype: 'q2f16' });
    assert.equal(f.onnxPath, join(dir, 'onnx', 'model_q2f16.onnx'));
    // without fp32, the first variant present is taken, and the reason says so
    assert.match(loadModelFolder(dir).dtypeReason, /no fp32 model\.onnx/);
    assert.throws(() => loadModelFolder(dir, { dtype: 'q3' }), /unknown dtype "q3" \(known: .*q1f16/);
    const bad = variants('rule-bad-config', ['model.onnx'], tjs({ dtype: 'fp8' }));
    assert.throws(() => loadModelFolder(bad), /transformers\.js_config\.dtype: unknown dtype "fp8"/);
  });

  test('a config dtype whose file is missing fails as Transformers.js would, naming the setting', () => {
    const dir = variants('rule-missing', ['model.onnx'], tjs({ dtype: 'q4' }));
    assert.throws(
      () => loadModelFolder(dir),
      (e: unknown) => {
        assert.ok(e instanceof ModelFolderError);
        assert.equal(e.code, 'missing-file');
        assert.match(
          e.message,
          /model_q4\.onnx is missing .*found: model\.onnx.*transformers\.js_config\.dtype/,
        );
        return true;
      },
    );
  });

  test('use_external_data_format: every chunk it names must be there', () => {
    const dir = brokenCopy('hub/llama-external-chunks', 'rule-chunks', (d) =>
      unlinkSync(join(d, 'onnx', 'model.onnx_data_1')),
    );
    assert.throws(
      () => loadModelFolder(dir),
      /model\.onnx_data_1 is missing beside model\.onnx: .* in 2 files/,
    );
    const whole = loadModelFolder(join(fixturesDir, 'hub', 'llama-external-chunks'));
    assert.deepEqual(
      whole.externalData.map((f) => f.split('/').pop()),
      ['model.onnx_data', 'model.onnx_data_1'],
    );
    const bad = brokenCopy('hub/llama-external', 'rule-chunks-bad', (d) =>
      editConfig(d, tjs({ use_external_data_format: 'many' })),
    );
    assert.throws(() => loadModelFolder(bad), /use_external_data_format for model\.onnx must be/);
  });
});

describe('broken model folders give named errors', () => {
  test('missing tokenizer.json', () =>
    rejectsWith(
      brokenCopy('gpt2', 'no-tokenizer', (d) => unlinkSync(join(d, 'tokenizer.json'))),
      'missing-file',
      /tokenizer\.json is missing/,
    ));

  test('tokenizer_config.json that is not JSON', () =>
    rejectsWith(
      brokenCopy('gpt2', 'bad-json', (d) =>
        writeFileSync(join(d, 'tokenizer_config.json'), '{ "bos_token": '),
      ),
      'bad-json',
      /tokenizer_config\.json is not valid JSON/,
    ));

  test('truncated ONNX file', () =>
    rejectsWith(
      brokenCopy('gpt2', 'truncated', (d) => {
        const p = join(d, 'onnx', 'model.onnx');
        truncateSync(p, Math.floor(statSync(p).size / 2));
      }),
      'bad-onnx',
      /ONNX Runtime cannot load .*model\.onnx/,
    ));

  test('config with the wrong num_hidden_layers', () =>
    rejectsWith(
      brokenCopy('llama-mha', 'layers', (d) => editConfig(d, (c) => (c.num_hidden_layers = 3))),
      'graph-mismatch',
      /4 past_key_values inputs \(2 layers\) but config\.json says num_hidden_layers = 3/,
    ));

  test('config with the wrong num_key_value_heads', () =>
    rejectsWith(
      brokenCopy('qwen2-gqa', 'kv-heads', (d) => editConfig(d, (c) => (c.num_key_value_heads = 4))),
      'graph-mismatch',
      /past_key_values\.0\.key has 2 key\/value heads but config\.json says 4/,
    ));

  test('config with the wrong head_dim', () =>
    rejectsWith(
      brokenCopy('qwen2-gqa', 'head-dim', (d) => editConfig(d, (c) => (c.head_dim = 8))),
      'graph-mismatch',
      /head size 12 but config\.json gives head_dim 8/,
    ));

  test('unknown model_type', () =>
    rejectsWith(
      brokenCopy('gpt2', 'model-type', (d) => editConfig(d, (c) => (c.model_type = 'mamba'))),
      'unknown-model-type',
      /model_type "mamba" is not supported/,
    ));

  test('missing config key', () =>
    rejectsWith(
      brokenCopy('llama-mha', 'no-vocab', (d) => editConfig(d, (c) => delete c.vocab_size)),
      'bad-config',
      /vocab_size is missing/,
    ));

  test('folder without any ONNX file', () =>
    rejectsWith(
      brokenCopy('gpt2', 'no-onnx', (d) => rmSync(join(d, 'onnx'), { recursive: true })),
      'missing-file',
      /onnx\/model\.onnx is missing .*no \.onnx file found/,
    ));

  test('a folder that does not exist', () =>
    rejectsWith(join(tmp, 'nowhere'), 'missing-file', /does not exist/));

  test('the copied fixture itself still loads (the breakage is what fails)', async () => {
    const dir = brokenCopy('gpt2', 'intact', () => undefined);
    assert.equal(readFileSync(join(dir, 'config.json'), 'utf8').length > 0, true);
    await disposeModel(await loadModel(dir, { ep: 'cpu', threads: 1 }));
  });
});

describe('special token ids written as strings', () => {
  test('idList: a numeric string is the number; any other string is a bad-config error naming file and key', () => {
    assert.deepEqual(idList('2'), [2]);
    assert.deepEqual(idList(['2', 3, null]), [2, 3]);
    assert.deepEqual(idList(undefined), []);
    assert.throws(
      () =>
        idList('</s>', {
          file: 'generation_config.json',
          key: 'eos_token_id',
          path: '/m/generation_config.json',
        }),
      (e: unknown) =>
        e instanceof ModelFolderError &&
        e.code === 'bad-config' &&
        e.path === '/m/generation_config.json' &&
        /^generation_config\.json: eos_token_id .*"<\/s>"/.test(e.message),
    );
    assert.throws(
      () => idList([2, 'eos']),
      (e: unknown) => e instanceof ModelFolderError && /eos_token_id/.test(e.message),
    );
  });

  test('a folder whose configs write eos_token_id as strings: numbers are taken, a token string is refused', () => {
    const numeric = brokenCopy('gpt2', 'eos-numeric-string', (d) => {
      editConfig(d, (c) => (c.eos_token_id = ['3']));
      const g = readJson(join(d, 'generation_config.json'));
      g.eos_token_id = '0';
      writeFileSync(join(d, 'generation_config.json'), JSON.stringify(g));
    });
    assert.deepEqual(loadModelFolder(numeric).eosIds, [3, 0]);
    const token = brokenCopy('gpt2', 'eos-token-string', (d) => {
      const g = readJson(join(d, 'generation_config.json'));
      g.eos_token_id = '</s>';
      writeFileSync(join(d, 'generation_config.json'), JSON.stringify(g));
    });
    assert.throws(
      () => loadModelFolder(token),
      (e: unknown) =>
        e instanceof ModelFolderError &&
        e.code === 'bad-config' &&
        e.path === join(token, 'generation_config.json') &&
        /^generation_config\.json: eos_token_id must be a token id .*"<\/s>"/.test(e.message),
    );
  });
});

describe('a broken tokenizer.json or chat template fails the load, naming the file', () => {
  function editTokenizer(
    dir: string,
    edit: (t: Record<string, unknown> & { model: Record<string, unknown> }) => void,
  ) {
    const t = readJson<Record<string, unknown> & { model: Record<string, unknown> }>(
      join(dir, 'tokenizer.json'),
    );
    edit(t);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(t));
  }

  test('a vocab that is a list, not a table', () =>
    rejectsWith(
      brokenCopy('gpt2', 'vocab-list', (d) => editTokenizer(d, (t) => (t.model.vocab = [1, 2, 3]))),
      'bad-json',
      /^tokenizer\.json: model\.vocab must be a table .*got a list/,
    ));

  test('an empty vocab', () =>
    rejectsWith(
      brokenCopy('gpt2', 'vocab-empty', (d) => editTokenizer(d, (t) => (t.model.vocab = {}))),
      'bad-json',
      /^tokenizer\.json: model\.vocab is empty/,
    ));

  test('a tokenizer.json the library rejects: bad-json naming the file, not its bare TypeError', () =>
    rejectsWith(
      brokenCopy('gpt2', 'tokenizer-normalizer', (d) =>
        editTokenizer(d, (t) => (t.normalizer = { type: 'NoSuchNormalizer' })),
      ),
      'bad-json',
      /^tokenizer\.json: no tokenizer can be built from it: .*NoSuchNormalizer/,
    ));

  test('a chat template with a syntax error in tokenizer_config.json', () =>
    rejectsWith(
      brokenCopy('gpt2', 'template-syntax', (d) => {
        const tc = readJson(join(d, 'tokenizer_config.json'));
        tc.chat_template = '{% for m in messages %}{{ m.content + }}{% endfor %}';
        writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify(tc));
      }),
      'bad-config',
      /^tokenizer_config\.json: the chat template does not parse: .+/,
    ));

  test('a chat template with a syntax error in chat_template.jinja', async () => {
    const dir = brokenCopy('gpt2', 'template-jinja-syntax', (d) => {
      const tc = readJson(join(d, 'tokenizer_config.json'));
      delete tc.chat_template;
      writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify(tc));
      writeFileSync(join(d, 'chat_template.jinja'), '{{ messages[0].content }');
    });
    await rejectsWith(dir, 'bad-config', /^chat_template\.jinja: the chat template does not parse: .+/);
    await assert.rejects(loadModel(dir, { ep: 'cpu', threads: 1 }), (e: unknown) => {
      assert.ok(e instanceof ModelFolderError);
      assert.equal(e.path, join(dir, 'chat_template.jinja'));
      return true;
    });
  });
});
