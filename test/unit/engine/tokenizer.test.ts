// Tokenizer wrapper: ids equal the recorded Python `tokenizers` reference; pieces' bytes and offsets tile the text; streaming UTF-8.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ModelFolderError } from '../../../src/engine/model/model-errors';
import { TextTokenizer } from '../../../src/engine/model/tokenizer';
import { bundledModel, readJson, repoRoot } from '../../support/model-folder';

const utf8 = new TextEncoder();
const reference = readJson<{ rows: { text: string; ids: number[] }[] }>(
  join(repoRoot, 'test', 'fixtures', 'reference', 'tokenizer.json'),
);
const tok = new TextTokenizer(
  readJson(join(bundledModel, 'tokenizer.json')),
  readJson(join(bundledModel, 'tokenizer_config.json')),
);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** UTF-8 byte offset of UTF-16 offset `i` in `text`. */
const byteAt = (text: string, i: number) => utf8.encode(text.slice(0, i)).length;

describe('byte-level BPE (bundled tokenizer)', () => {
  test('ids equal the Python tokenizers reference for every recorded text', () => {
    assert.equal(tok.byteMode, 'byte-level');
    for (const row of reference.rows)
      assert.deepEqual(tok.encode(row.text).ids, row.ids, JSON.stringify(row.text));
  });

  test('pieces: bytes tile the text exactly, spans cover the characters the bytes belong to', () => {
    for (const { text } of reference.rows) {
      const { pieces } = tok.encode(text);
      assert.equal(pieces[0]?.id, 1);
      assert.deepEqual([pieces[0]?.start, pieces[0]?.end], [0, 0], 'BOS is inserted, not in the text');
      const body = pieces.slice(1);
      assert.deepEqual(concat(body.map((p) => p.bytes)), utf8.encode(text), JSON.stringify(text));
      let byte = 0;
      for (const p of body) {
        const from = byteAt(text, p.start);
        const to = byteAt(text, p.end);
        assert.ok(
          from <= byte && byte + p.bytes.length <= to,
          `${JSON.stringify(p)} within ${JSON.stringify(text)}`,
        );
        if (from === byte && to === byte + p.bytes.length) assert.equal(p.text, text.slice(p.start, p.end));
        byte += p.bytes.length;
      }
    }
  });

  test('an emoji split over byte tokens: each token has its own byte, all share the emoji span', () => {
    const text = 'a😀b';
    const { pieces } = tok.encode(text, { addSpecialTokens: false });
    const emoji = pieces.filter((p) => p.start === 1);
    assert.deepEqual(concat(emoji.map((p) => p.bytes)), utf8.encode('😀'));
    assert.ok(emoji.length > 1);
    for (const p of emoji) assert.deepEqual([p.start, p.end, p.text.startsWith('<0x')], [1, 3, true]);
  });

  test('special tokens inside the text map to their own text and span', () => {
    const text = 'x<|im_start|>user';
    const p = tok.encode(text, { addSpecialTokens: false }).pieces.find((q) => q.id === 2);
    assert.deepEqual([p?.text, p?.start, p?.end, p?.special], ['<|im_start|>', 1, 13, true]);
  });

  test('decode round-trips; the stream decoder never emits part of a character', () => {
    const text = 'emoji 🙂👩‍💻 and CJK 漢字かな 한국어 ok';
    const ids = tok.encode(text, { addSpecialTokens: false }).ids;
    assert.equal(tok.decode(ids), text);
    const stream = tok.streamDecoder();
    const chunks = ids.map((id) => stream.push(id));
    chunks.push(stream.flush());
    assert.equal(chunks.join(''), text);
    for (const c of chunks) {
      assert.ok(!c.includes('\uFFFD'), JSON.stringify(chunks));
      assert.deepEqual(new TextDecoder().decode(utf8.encode(c)), c); // well-formed (no lone surrogates)
    }
    assert.ok(
      chunks.filter((c) => c === '').length > 0,
      'some tokens had to wait for the rest of a character',
    );
  });
});

describe('SentencePiece-style (Metaspace, <0xNN> byte fallback)', () => {
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (const t of [...bytes, '\u2581', 'h', 'i', '\u2581h', '\u2581hi']) vocab[t] = Object.keys(vocab).length;
  const sp = new TextTokenizer(
    {
      version: '1.0',
      added_tokens: [
        {
          id: 0,
          content: '<unk>',
          special: true,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
        },
        {
          id: 1,
          content: '<s>',
          special: true,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
        },
        {
          id: 2,
          content: '</s>',
          special: true,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
        },
      ],
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'Prepend', prepend: '\u2581' },
          { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
        ],
      },
      pre_tokenizer: null,
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [],
        special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
      },
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      model: {
        type: 'BPE',
        vocab,
        merges: ['\u2581 h', '\u2581h i'],
        byte_fallback: true,
        unk_token: '<unk>',
        fuse_unk: true,
        dropout: null,
      },
    },
    { bos_token: '<s>', eos_token: '</s>' },
  );

  test('"▁" is a space, <0xNN> is one byte, the inserted prefix space spans nothing', () => {
    assert.equal(sp.byteMode, 'metaspace');
    const text = 'hi 世';
    const { ids, pieces } = sp.encode(text);
    assert.equal(ids[0], 1);
    const body = pieces.slice(1);
    assert.deepEqual(body[0]?.bytes, utf8.encode(' hi'));
    assert.deepEqual([body[0]?.start, body[0]?.end], [0, 2]);
    const cjk = body.filter((p) => p.start === 3);
    assert.deepEqual(concat(cjk.map((p) => p.bytes)), utf8.encode('世'));
    assert.ok(cjk.every((p) => p.bytes.length === 1 && p.end === 4));
    assert.equal(sp.decode(ids, { skipSpecialTokens: true }), text);
  });
});

describe('a tokenizer.json that cannot work is refused when the tokenizer is built', () => {
  const good = readJson<Record<string, unknown> & { model: Record<string, unknown> }>(
    join(bundledModel, 'tokenizer.json'),
  );
  const config = readJson(join(bundledModel, 'tokenizer_config.json'));
  const withModel = (model: Record<string, unknown>) => ({ ...good, model: { ...good.model, ...model } });
  const refused = (pattern: RegExp) => (e: unknown) =>
    e instanceof ModelFolderError &&
    e.code === 'bad-json' &&
    e.path === '/m/tokenizer.json' &&
    /^tokenizer\.json: /.test(e.message) &&
    pattern.test(e.message);

  test('the vocab must be a non-empty table of token ids (before, these encoded "hello" to nothing)', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ vocab: [1, 2, 3] }, /model\.vocab must be a table of token -> id \(BPE\), got a list/],
      [{ vocab: {} }, /model\.vocab is empty/],
      [{ vocab: 'abc' }, /got a string/],
      [{ vocab: null }, /got null/],
      [{ vocab: { a: 'x' } }, /maps "a" to "x"/],
      [{ vocab: { a: -1 } }, /maps "a" to -1/],
      [{ type: 'Unigram', vocab: { a: 1 } }, /\[piece, score\] pairs \(Unigram\), got an object/],
      [{ type: 'Unigram', vocab: [] }, /model\.vocab is empty/],
      [{ type: 'Unigram', vocab: [['a', 0], 'b'] }, /model\.vocab\[1\] must be a \[piece, score\] pair/],
      [{ type: 'Foo' }, /model\.type "Foo" is not one of BPE, WordPiece, WordLevel, Unigram/],
      [{ merges: 'a b' }, /model\.merges must be a list/],
    ];
    for (const [model, pattern] of cases) {
      assert.throws(
        () => new TextTokenizer(withModel(model), config, '/m/tokenizer.json'),
        refused(pattern),
        JSON.stringify(model),
      );
    }
    assert.throws(
      () => new TextTokenizer({ ...good, model: 5 }, config, '/m/tokenizer.json'),
      refused(/"model" is missing/),
    );
  });

  test("the library's own refusal becomes a bad-json error naming tokenizer.json", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, normalizer: { type: 'Nope' } }, /Unknown Normalizer type: Nope/],
      [{ ...good, added_tokens: 5 }, /no tokenizer can be built from it/],
      [withModel({ merges: [1, 2] }), /no tokenizer can be built from it/],
    ];
    for (const [json, pattern] of cases) {
      assert.throws(
        () => new TextTokenizer(json, config, '/m/tokenizer.json'),
        refused(pattern),
        JSON.stringify(pattern),
      );
    }
  });

  test('a sound tokenizer.json still encodes', () => {
    assert.ok(new TextTokenizer(good, config).encodeIds('hello', { addSpecialTokens: false }).length > 0);
  });
});
