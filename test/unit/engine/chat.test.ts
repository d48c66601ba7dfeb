// Chat prompts: rendered and encoded as Transformers.js' apply_chat_template does; a folder without a template is named.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { AutoTokenizer, env } from '@huggingface/transformers';
import {
  ChatTemplateError,
  checkChatTemplates,
  encodeChat,
  renderChat,
  type ChatMessage,
} from '../../../src/engine/model/chat-template';
import { loadModelFolder, ModelFolderError } from '../../../src/engine/model/model-folder';
import { TextTokenizer } from '../../../src/engine/model/tokenizer';
import { bundledModel, fixturesDir, readJson } from '../../support/model-folder';

env.allowRemoteModels = false;

const messages: ChatMessage[] = [
  { role: 'system', content: 'You explain code.' },
  { role: 'user', content: 'What does `x ?? y` do? 🙂' },
];

describe('chat template', () => {
  test('renders and encodes like Transformers.js apply_chat_template', async () => {
    const folder = loadModelFolder(bundledModel);
    const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    env.localModelPath = dirname(bundledModel);
    const tj = await AutoTokenizer.from_pretrained(basename(bundledModel));
    for (const addGenerationPrompt of [true, false]) {
      const theirs = tj.apply_chat_template(messages, {
        add_generation_prompt: addGenerationPrompt,
        tokenize: false,
      }) as string;
      assert.equal(renderChat(folder, messages, { addGenerationPrompt }), theirs);
      const ids = tj.apply_chat_template(messages, {
        add_generation_prompt: addGenerationPrompt,
        return_tensor: false,
        return_dict: false,
      }) as number[];
      assert.deepEqual(encodeChat(folder, tokenizer, messages, { addGenerationPrompt }).ids, ids);
    }
    const text = renderChat(folder, messages);
    assert.ok(text.startsWith('<|bos|><|im_start|>system\n'));
    assert.ok(text.endsWith('<|im_start|>assistant\n'));
  });

  test('a folder without a chat template gives a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-chat-'));
    try {
      cpSync(join(fixturesDir, 'gpt2'), dir, { recursive: true });
      const tc = readJson(join(dir, 'tokenizer_config.json'));
      delete tc.chat_template;
      writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tc));
      assert.throws(
        () => renderChat(loadModelFolder(dir), messages),
        (e: unknown) => {
          assert.ok(e instanceof ChatTemplateError);
          assert.equal(e.code, 'no-chat-template');
          assert.match(e.message, /has no chat template/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('chat templates are parsed when the model loads', () => {
  /** A gpt2 fixture copy whose tokenizer_config.json chat_template is `template` (and whose folder gets `files`). */
  function folderWith(template: unknown, files: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-chat-'));
    cpSync(join(fixturesDir, 'gpt2'), dir, { recursive: true });
    const tc = readJson(join(dir, 'tokenizer_config.json'));
    if (template === undefined) delete tc.chat_template;
    else tc.chat_template = template;
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tc));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }
  const badConfig = (file: RegExp) => (e: unknown) =>
    e instanceof ModelFolderError && e.code === 'bad-config' && file.test(e.message);

  test('a sound template passes and still renders', () => {
    const folder = loadModelFolder(bundledModel);
    checkChatTemplates(folder);
    assert.ok(renderChat(folder, messages).endsWith('<|im_start|>assistant\n'));
  });

  test('a syntax error names the file, the template and the parser', () => {
    const dirs: string[] = [];
    try {
      const inConfig = folderWith('{% if messages %}hi');
      dirs.push(inConfig);
      assert.throws(
        () => checkChatTemplates(loadModelFolder(inConfig)),
        badConfig(/^tokenizer_config\.json: the chat template does not parse: ./),
      );
      const named = folderWith([
        { name: 'default', template: '{{ messages[0].content }}' },
        { name: 'tool_use', template: '{{ messages[0].content' },
      ]);
      dirs.push(named);
      assert.throws(
        () => checkChatTemplates(loadModelFolder(named)),
        badConfig(/^tokenizer_config\.json: the chat template "tool_use" does not parse: ./),
      );
      const jinja = folderWith(undefined, { 'chat_template.jinja': '{% for m in messages %}{{ m }}' });
      dirs.push(jinja);
      assert.throws(
        () => checkChatTemplates(loadModelFolder(jinja)),
        (e: unknown) =>
          badConfig(/^chat_template\.jinja: the chat template does not parse: ./)(e) &&
          (e as ModelFolderError).path === join(jinja, 'chat_template.jinja'),
      );
      const json = folderWith(undefined, {
        'chat_template.json': JSON.stringify({ chat_template: '{{ + }}' }),
      });
      dirs.push(json);
      assert.throws(
        () => checkChatTemplates(loadModelFolder(json)),
        badConfig(/^chat_template\.json: the chat template does not parse: ./),
      );
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
