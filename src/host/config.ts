// Typed glassbox.* settings: reading them, their defaults, and which changes need the model reloaded.
import * as vscode from 'vscode';
import { EXECUTION_PROVIDER_CHOICES, type ExecutionProviderChoice } from '../protocol/engine-methods';

export interface GlassboxConfig {
  /** A Hugging Face ONNX model folder; '' means the bundled model. */
  modelPath: string;
  /** The ONNX variant to load ('' : as Transformers.js chooses). */
  modelDtype: string;
  /** The Hub (or mirror) downloads come from ('' : $HF_ENDPOINT, else huggingface.co). */
  hubEndpoint: string;
  executionProvider: ExecutionProviderChoice;
  /** On the CPU, quantized MatMuls compute with int8 activations (faster, slightly less exact). */
  cpuFastMath: boolean;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  systemPrompt: string;
  /** `local`: the engine process on this machine; `openai`: an OpenAI-compatible server (or `glassbox serve`). */
  backend: 'local' | 'openai';
  /** The server's address (`http://host:port`, with or without `/v1`); used when backend is `openai`. */
  remoteBaseUrl: string;
  /** The server's model id ('' : the first it lists). */
  remoteModel: string;
}

export const DEFAULT_SYSTEM_PROMPT =
  'You are Glassbox, a helpful coding assistant running locally in VS Code. Answer concisely, in Markdown.';

/** Settings whose change reloads the model (the others apply to the next answer). */
export const RELOAD_SETTINGS = [
  'glassbox.modelPath',
  'glassbox.modelDtype',
  'glassbox.executionProvider',
  'glassbox.cpuFastMath',
  'glassbox.backend',
  'glassbox.remote.baseUrl',
  'glassbox.remote.model',
] as const;

/** The settings a model load depends on, as one string: a change that leaves it equal needs no reload. */
export function loadKey(c: GlassboxConfig): string {
  return JSON.stringify(
    c.backend === 'openai'
      ? ['openai', c.remoteBaseUrl, c.remoteModel]
      : ['local', c.modelPath, c.modelDtype, c.executionProvider, c.cpuFastMath],
  );
}

function clamp(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

export function readConfig(): GlassboxConfig {
  const c = vscode.workspace.getConfiguration('glassbox');
  const ep = c.get<string>('executionProvider', 'auto');
  return {
    modelPath: (c.get<string>('modelPath', '') ?? '').trim(),
    modelDtype: (c.get<string>('modelDtype', '') ?? '').trim(),
    hubEndpoint: (c.get<string>('hubEndpoint', '') ?? '').trim(),
    executionProvider: (EXECUTION_PROVIDER_CHOICES as readonly string[]).includes(ep)
      ? (ep as ExecutionProviderChoice)
      : 'auto',
    cpuFastMath: c.get<boolean>('cpuFastMath', true) !== false,
    temperature: clamp(c.get('temperature'), 0, 2, 0.7),
    topP: clamp(c.get('topP'), 0.01, 1, 0.9),
    maxNewTokens: Math.round(clamp(c.get('maxNewTokens'), 1, 8192, 256)),
    systemPrompt: c.get<string>('systemPrompt', DEFAULT_SYSTEM_PROMPT) ?? DEFAULT_SYSTEM_PROMPT,
    backend: c.get<string>('backend', 'local') === 'openai' ? 'openai' : 'local',
    remoteBaseUrl: (c.get<string>('remote.baseUrl', '') ?? '').trim(),
    remoteModel: (c.get<string>('remote.model', '') ?? '').trim(),
  };
}
