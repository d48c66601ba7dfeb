// The recipe's byte-level BPE as @huggingface/tokenizers reads it: same ids as the recipe, lossless, chat-ready.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { bundledModel, modelFolders, readJson, repoRoot } from '../../support/model-folder';

function load(dir: string): Tokenizer {
  return new Tokenizer(readJson(join(dir, 'tokenizer.json')), readJson(join(dir, 'tokenizer_config.json')));
}

const reference = readJson<{ rows: { text: string; ids: number[] }[] }>(
  join(repoRoot, 'test', 'fixtures', 'reference', 'tokenizer.json'),
).rows;

/** Deterministic pseudo-random strings mixing ASCII code, whitespace runs, accents, CJK, emoji and ZWJ sequences. */
function randomTexts(count: number): string[] {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pieces = ['fn', '(', ')', '{', '}', ' ', '  ', '\n', '\t', '\r\n', 'é', 'ß', '漢', '字', '🙂', '👩‍💻', '\u200b', "'s"];
  return Array.from({ length: count }, () => {
    let s = '';
    for (let i = rand(60); i > 0; i--) {
      s += rand(3) === 0 ? String.fromCodePoint(32 + rand(0x2fff)) : (pieces[rand(pieces.length)] as string);
    }
    return s;
  });
}

describe('glassbox-tiny tokenizer', () => {
  const tok = load(bundledModel);

  test('gives the ids the recipe recorded, on code and edge cases', () => {
    assert.ok(reference.length >= 50);
    for (const { text, ids } of reference) assert.deepEqual(tok.encode(text).ids, ids, JSON.stringify(text));
  });

  test('adds <|bos|> first by default and decodes losslessly', () => {
    const bos = tok.token_to_id('<|bos|>');
    assert.equal(typeof bos, 'number');
    for (const text of [...reference.map((r) => r.text), ...randomTexts(200)]) {
      const ids = tok.encode(text).ids;
      assert.equal(ids[0], bos);
      const specialsRemoved = text.replace(/<\|(im_start|im_end|bos|endoftext)\|>/g, '');
      assert.equal(tok.decode(ids, { skip_special_tokens: true }), specialsRemoved);
    }
  });

  test('byte-level: any text encodes without unknown tokens, within the vocabulary', () => {
    const vocab = Object.keys(readJson<{ model: { vocab: object } }>(join(bundledModel, 'tokenizer.json')).model.vocab);
    for (const text of randomTexts(50)) {
      for (const id of tok.encode(text).ids) assert.ok(id >= 0 && id < vocab.length);
    }
  });

  test('the chat template renders with @huggingface/jinja into special-token ids', () => {
    const tc = readJson<{ chat_template: string; bos_token: string }>(join(bundledModel, 'tokenizer_config.json'));
    const text = new Template(tc.chat_template).render({
      messages: [
        { role: 'system', content: 'You explain code.' },
        { role: 'user', content: 'What does `x => x * 2` do?' },
      ],
      bos_token: tc.bos_token,
      add_generation_prompt: true,
    });
    assert.ok(text.startsWith('<|bos|><|im_start|>system\nYou explain code.<|im_end|>\n'));
    assert.ok(text.endsWith('<|im_start|>assistant\n'));
    const ids = tok.encode(text, { add_special_tokens: false }).ids;
    const start = tok.token_to_id('<|im_start|>');
    const end = tok.token_to_id('<|im_end|>');
    assert.equal(ids.filter((i) => i === start).length, 3);
    assert.equal(ids.filter((i) => i === end).length, 2);
    assert.equal(ids.filter((i) => i === tok.token_to_id('<|bos|>')).length, 1);
  });
});

test('every model folder ships the same tokenizer file as the bundled model', () => {
  const hash = (dir: string) => createHash('sha256').update(readFileSync(join(dir, 'tokenizer.json'))).digest('hex');
  for (const { name, dir } of modelFolders()) assert.equal(hash(dir), hash(bundledModel), name);
});
