// Glassbox's models as VS Code language models (vendor glassbox): the Chat view's model picker and vscode.lm callers.
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { ChatMessageParam, ModelInfo } from '../../protocol/engine-methods';
import { cachedModels } from '../../hub/cached-models';
import { hubCacheDir } from '../../hub/hub-cache';
import { readConfig } from '../config';
import { fitContext } from './fit-context';
import type { EngineBackend } from '../../client/engine-backend';
import type { ModelManager } from '../models/model-manager';

export const LM_VENDOR = 'glassbox';

interface GlassboxModel extends vscode.LanguageModelChatInformation {
  /** The model folder (Glassbox loads one model at a time: answering with another one switches to it). */
  dir: string;
  /** The ONNX variant to load it with ('' for the folder's default). */
  dtype: string;
  /** Set for a model of the server in use (glassbox.backend `openai`): its address; `id` is the server's model id. */
  server?: string;
}

export interface LmProviderContext {
  client: EngineBackend;
  models: ModelManager;
  bundledDir: string;
  /** Makes `dir` (with `dtype`) the active model as Choose Model does (the settings), and waits for it. */
  use: (dir: string, dtype: string) => Promise<void>;
  /** Makes a server's model the active one (the settings). */
  useServer: (baseUrl: string, model: string) => Promise<void>;
}

/** config.json facts the picker shows before a model is loaded: its type and context length. */
function configFacts(dir: string): { family: string; contextLength: number } {
  try {
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const text = (c.text_config as Record<string, unknown> | undefined) ?? c;
    const ctx = Number(text.max_position_embeddings ?? text.n_positions ?? text.n_ctx ?? 2048);
    return { family: String(c.model_type ?? 'unknown'), contextLength: Number.isFinite(ctx) ? ctx : 2048 };
  } catch {
    return { family: 'unknown', contextLength: 2048 };
  }
}

/** The text of a message's parts: text as it is, tool calls and results as short notes (the model has no tools). */
export function partsText(parts: readonly unknown[]): string {
  return parts
    .map((p) => {
      if (p instanceof vscode.LanguageModelTextPart) return p.value;
      if (p instanceof vscode.LanguageModelToolCallPart)
        return `[called ${p.name}(${JSON.stringify(p.input)})]`;
      if (p instanceof vscode.LanguageModelToolResultPart) return `[result: ${partsText(p.content)}]`;
      return '';
    })
    .join('');
}

/**
 * VS Code's messages as the engine's: User and Assistant as they are; System (a role newer hosts send) folded into
 * one leading system message, which the chat template places where the model expects it.
 */
export function engineMessages(
  messages: readonly vscode.LanguageModelChatRequestMessage[],
): ChatMessageParam[] {
  const system: string[] = [];
  const out: ChatMessageParam[] = [];
  for (const m of messages) {
    const content = partsText(m.content);
    if (m.role === vscode.LanguageModelChatMessageRole.User) out.push({ role: 'user', content });
    else if (m.role === vscode.LanguageModelChatMessageRole.Assistant)
      out.push({ role: 'assistant', content });
    else if (content.trim() !== '') system.push(content);
  }
  return system.length ? [{ role: 'system', content: system.join('\n\n') }, ...out] : out;
}

export class GlassboxLmProvider implements vscode.LanguageModelChatProvider<GlassboxModel> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;

  constructor(private readonly c: LmProviderContext) {}

  /** The list changes when a model is loaded or downloaded. */
  refresh(): void {
    this.changed.fire();
  }

  async provideLanguageModelChatInformation(): Promise<GlassboxModel[]> {
    const status = this.c.models.currentStatus;
    const config = readConfig();
    const folders: { name: string; dir: string; dtype: string; detail: string }[] = [
      {
        name: basename(this.c.bundledDir),
        dir: this.c.bundledDir,
        dtype: '',
        detail: 'bundled demonstration model',
      },
    ];
    for (const m of await cachedModels(hubCacheDir()).catch(() => [])) {
      folders.push({ name: m.repo, dir: m.path, dtype: m.dtypes[0] ?? '', detail: 'Hugging Face cache' });
    }
    if (config.modelPath) {
      const name = basename(config.modelPath);
      folders.push({ name, dir: config.modelPath, dtype: config.modelDtype, detail: 'glassbox.modelPath' });
    }
    const seen = new Set<string>();
    const out: GlassboxModel[] = this.serverModels();
    for (const f of folders) {
      const dir = resolve(f.dir);
      if (seen.has(dir)) continue;
      seen.add(dir);
      const facts = configFacts(dir);
      const active = status?.state === 'ready' && !status.server && resolve(status.dir) === dir;
      const name = f.name;
      const contextLength = active && status.contextLength ? status.contextLength : facts.contextLength;
      out.push({
        id: name,
        name: `Glassbox: ${name}`,
        family: facts.family,
        version: f.dtype || 'default',
        detail: active ? `${f.detail}, loaded on ${status.executionProvider ?? 'cpu'}` : f.detail,
        tooltip: `Runs locally in Glassbox (${dir}); one model is loaded at a time`,
        maxInputTokens: contextLength,
        maxOutputTokens: Math.min(config.maxNewTokens, contextLength),
        // VS Code 1.139's Chat view offers only tool-calling models in its picker (Agent, Ask and Plan alike), and
        // without a picked model it refuses @glassbox too; the tools a caller offers are not used (see partsText)
        capabilities: { toolCalling: true, imageInput: false },
        dir,
        dtype: f.dtype,
      });
    }
    return out;
  }

  /** The models of the server in use, when there is one (the loaded one with its context length). */
  private serverModels(): GlassboxModel[] {
    const status = this.c.models.currentStatus;
    const server = status?.server;
    if (!status || !server) return [];
    const maxNewTokens = readConfig().maxNewTokens;
    return server.models.map((id) => {
      const contextLength = id === status.name && status.contextLength ? status.contextLength : 0;
      return {
        id: `${server.baseUrl} ${id}`,
        name: `Glassbox: ${id}`,
        family: server.kind,
        version: server.kind,
        detail: `on ${status.executionProvider ?? server.baseUrl}`,
        tooltip: `Runs on the server at ${server.baseUrl} (glassbox.backend "openai")`,
        // unknown context (a server that does not say): VS Code needs a number; the server refuses what does not fit
        maxInputTokens: contextLength || 32_768,
        maxOutputTokens: maxNewTokens,
        capabilities: { toolCalling: true, imageInput: false },
        dir: server.baseUrl,
        dtype: '',
        server: server.baseUrl,
      };
    });
  }

  async provideLanguageModelChatResponse(
    model: GlassboxModel,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const info = await this.activate(model);
    const settings = readConfig();
    const maxNewTokens = Number(options.modelOptions?.maxTokens ?? settings.maxNewTokens);
    const fitted = await this.fitted(engineMessages(messages), info, maxNewTokens);
    const temperature = Number(options.modelOptions?.temperature ?? settings.temperature);
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    try {
      await this.c.client.stream(
        'model/generate',
        {
          messages: fitted,
          ...(temperature === 0 ? { greedy: true } : { temperature, topP: settings.topP }),
          maxNewTokens,
        },
        (chunk) => {
          if (chunk.kind === 'text' && chunk.text !== '' && !controller.signal.aborted)
            progress.report(new vscode.LanguageModelTextPart(chunk.text));
        },
        { signal: controller.signal },
      );
    } catch (e) {
      if (!controller.signal.aborted) throw e;
    } finally {
      cancel.dispose();
    }
  }

  async provideTokenCount(
    model: GlassboxModel,
    text: string | vscode.LanguageModelChatRequestMessage,
  ): Promise<number> {
    await this.activate(model);
    const plain = typeof text === 'string' ? text : partsText(text.content);
    try {
      return (await this.c.client.request('model/tokenize', { text: plain })).ids.length;
    } catch (e) {
      // a server without a tokenize endpoint (Ollama, LM Studio): about four characters a token, as callers expect
      if ((e as { code?: unknown }).code === 'unsupported') return Math.ceil(plain.length / 4);
      throw e;
    }
  }

  /**
   * The newest messages that fit the context with room for the answer. A server that neither says its context nor
   * counts tokens gets the messages as they are (it refuses what does not fit, and the caller sees its error).
   */
  private async fitted(
    messages: ChatMessageParam[],
    info: ModelInfo,
    maxNewTokens: number,
  ): Promise<ChatMessageParam[]> {
    if (info.contextLength <= 0) return messages;
    const reserve = Math.max(1, Math.min(maxNewTokens, Math.floor(info.contextLength / 4)));
    try {
      return await fitContext(messages, info.contextLength - reserve, (m) =>
        this.c.client.request('model/countTokens', { messages: m }).then((r) => r.tokens),
      );
    } catch (e) {
      if (info.remote && (e as { code?: unknown }).code === 'unsupported') return messages;
      throw e;
    }
  }

  /** Makes `model` the loaded one when it is not (Glassbox holds one model), then waits until it is ready. */
  private async activate(model: GlassboxModel): Promise<ModelInfo> {
    const status = this.c.models.currentStatus;
    if (model.server !== undefined) {
      const id = model.id.slice(model.server.length + 1);
      if (status?.server?.baseUrl !== model.server || status.name !== id)
        await this.c.useServer(model.server, id);
    } else if (!status || status.server || resolve(status.dir) !== model.dir)
      await this.c.use(model.dir, model.dtype);
    return this.c.models.ready();
  }
}
