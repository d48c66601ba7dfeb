// Chat prompts: parses the folder's chat templates at load, renders one with @huggingface/jinja as HF does, then encodes it.
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import type { ErrorCode } from '../../protocol/errors';
import { ModelFolderError } from './model-errors';
import type { ModelFolder } from './model-folder';
import type { TextTokenizer } from './tokenizer';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

export class ChatTemplateError extends Error {
  override readonly name = 'ChatTemplateError';
  constructor(
    readonly code: Extract<ErrorCode, 'no-chat-template' | 'bad-chat-template'>,
    message: string,
  ) {
    super(message);
  }
}

const compiled = new WeakMap<ModelFolder, Map<string, Template>>();

/** The parsed template `name` (cached per folder); a template that does not parse throws the parser's own error. */
function parsed(folder: ModelFolder, name: string, source: string): Template {
  let byName = compiled.get(folder);
  if (!byName) compiled.set(folder, (byName = new Map()));
  let t = byName.get(name);
  if (!t) {
    t = new Template(source);
    byName.set(name, t);
  }
  return t;
}

function template(folder: ModelFolder, name: string): Template {
  const source = folder.chatTemplates[name];
  if (source === undefined) {
    const known = Object.keys(folder.chatTemplates);
    throw new ChatTemplateError(
      'no-chat-template',
      known.length === 0
        ? `${folder.name} has no chat template (tokenizer_config.json has no chat_template and there is no chat_template.jinja); generate without --chat`
        : `${folder.name} has no chat template named "${name}" (it has: ${known.join(', ')})`,
    );
  }
  try {
    return parsed(folder, name, source);
  } catch (e) {
    throw new ChatTemplateError(
      'bad-chat-template',
      `${folder.name}: the chat template does not parse: ${(e as Error).message}`,
    );
  }
}

/**
 * Parses every chat template of the folder (kept for rendering), so a template with a syntax error fails the
 * load: a bad-config ModelFolderError naming the file and the parser's message.
 */
export function checkChatTemplates(folder: ModelFolder): void {
  for (const [name, source] of Object.entries(folder.chatTemplates)) {
    try {
      parsed(folder, name, source);
    } catch (e) {
      const file = folder.chatTemplateFiles[name] ?? 'tokenizer_config.json';
      const which = name === 'default' ? 'the chat template' : `the chat template "${name}"`;
      const cause = e instanceof Error ? e.message : String(e);
      throw new ModelFolderError(
        'bad-config',
        `${file}: ${which} does not parse: ${cause}`,
        join(folder.dir, file),
      );
    }
  }
}

/** The prompt text, rendered with the variables HF passes (special tokens, add_generation_prompt). */
export function renderChat(
  folder: ModelFolder,
  messages: readonly ChatMessage[],
  options: { addGenerationPrompt?: boolean; templateName?: string } = {},
): string {
  const t = template(folder, options.templateName ?? 'default');
  const special = folder.specialTokens;
  try {
    return t.render({
      messages: messages.map((m) => ({ ...m })),
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: special.bos ?? '',
      eos_token: special.eos ?? '',
      pad_token: special.pad ?? '',
      unk_token: special.unk ?? '',
    });
  } catch (e) {
    throw new ChatTemplateError(
      'bad-chat-template',
      `${folder.name}: rendering the chat template failed: ${(e as Error).message}`,
    );
  }
}

/** Rendered and encoded; special tokens come from the template only (addSpecialTokens false, as HF does). */
export function encodeChat(
  folder: ModelFolder,
  tokenizer: TextTokenizer,
  messages: readonly ChatMessage[],
  options: { addGenerationPrompt?: boolean; templateName?: string } = {},
): { text: string; ids: number[] } {
  const text = renderChat(folder, messages, options);
  return { text, ids: tokenizer.encodeIds(text, { addSpecialTokens: false }) };
}
