// "Glassbox: Choose Model..." and "Manage Models...": models on this machine, the download catalog, any Hub repository.
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import * as vscode from 'vscode';
import { cachedModels, deleteCachedRepo, type CachedModel } from '../../hub/cached-models';
import { CATALOG } from '../../hub/catalog';
import { hubCacheDir, isRepoId } from '../../hub/hub-cache';
import { chooseAndDownload, sizeText, type DownloadContext } from './model-download-ui';

const RECENT_KEY = 'glassbox.recentModelFolders';

export interface PickerContext extends DownloadContext {
  state: vscode.Memento;
  bundledDir: string;
  /** The folder loaded now (resolved). */
  currentDir: () => string | undefined;
  /** The server in use (glassbox.backend `openai`) and the models it lists, or undefined. */
  server: () => { baseUrl: string; models: string[]; current: string } | undefined;
  /** Uses a server's model from now on (settings: backend, address, model id). */
  useServer: (baseUrl: string, model: string) => Promise<void>;
}

type Item = vscode.QuickPickItem & { run?: () => Promise<void> };


function recentFolders(state: vscode.Memento): string[] {
  return (state.get<string[]>(RECENT_KEY) ?? []).filter((d) => existsSync(d));
}

/** Makes `dir` the model (and remembers it among the recent folders). */
async function useFolder(ctx: PickerContext, dir: string, dtype = ''): Promise<void> {
  const recent = [dir, ...recentFolders(ctx.state).filter((d) => d !== dir)].slice(0, 8);
  await ctx.state.update(RECENT_KEY, recent);
  await ctx.use(dir, dtype);
}

function cachedItem(ctx: PickerContext, m: CachedModel, current: string | undefined): Item {
  return {
    label: `$(database) ${m.repo}`,
    description: `${m.dtypes.join(', ')} · ${sizeText(m.bytes)}${current === resolve(m.path) ? ' · in use' : ''}`,
    detail: `Hugging Face cache, ${m.refs.length ? m.refs.join(', ') : m.commit.slice(0, 8)}`,
    run: () => useFolder(ctx, m.path, m.dtypes.length === 1 ? (m.dtypes[0] as string) : ''),
  };
}

/** The models of the server in use, and an entry to connect to another server. */
function serverItems(ctx: PickerContext): Item[] {
  const server = ctx.server();
  const connect: Item = {
    label: '$(remote) Connect to a server...',
    detail: 'glassbox serve, vLLM, llama.cpp server, Ollama, LM Studio: any OpenAI-compatible address',
    run: async () => {
      const address = await vscode.window.showInputBox({
        title: 'Glassbox: server address',
        prompt: 'http://host:port of an OpenAI-compatible server (with or without /v1)',
        value: server?.baseUrl ?? 'http://127.0.0.1:8080',
        validateInput: (v) => (/^https?:\/\/[^\s/]+/.test(v.trim()) ? undefined : 'expected http://host:port'),
      });
      if (address) await ctx.useServer(address.trim(), '');
    },
  };
  if (!server) return [{ label: 'On a server', kind: vscode.QuickPickItemKind.Separator }, connect];
  return [
    { label: `On ${server.baseUrl}`, kind: vscode.QuickPickItemKind.Separator },
    ...server.models.map(
      (id): Item => ({
        label: `$(cloud) ${id}`,
        description: id === server.current ? 'in use' : '',
        run: () => ctx.useServer(server.baseUrl, id),
      }),
    ),
    connect,
  ];
}

export async function chooseModel(ctx: PickerContext): Promise<void> {
  const current = ctx.currentDir();
  const cached = await cachedModels(hubCacheDir()).catch(() => []);
  const cachedRepos = new Set(cached.map((m) => m.repo));
  const items: Item[] = [
    ...serverItems(ctx),
    { label: 'On this machine', kind: vscode.QuickPickItemKind.Separator },
    {
      label: '$(package) glassbox-tiny',
      description: `bundled demonstration model${current === resolve(ctx.bundledDir) ? ' · in use' : ''}`,
      detail: 'works offline; its answers are not useful',
      run: () => ctx.use('', ''),
    },
    ...cached.map((m) => cachedItem(ctx, m, current)),
    ...recentFolders(ctx.state)
      .filter((d) => !cached.some((m) => resolve(m.path) === resolve(d)))
      .map(
        (d): Item => ({
          label: `$(folder) ${basename(d)}`,
          description: current === resolve(d) ? 'in use' : '',
          detail: d,
          run: () => useFolder(ctx, d),
        }),
      ),
    {
      label: '$(folder-opened) Open folder...',
      detail: 'a model folder with config.json, tokenizer files and onnx/model*.onnx',
      run: async () => {
        const picked = await vscode.window.showOpenDialog({
          canSelectFolders: true,
          canSelectFiles: false,
          openLabel: 'Use this model',
          title: 'Glassbox: model folder',
        });
        if (picked?.[0]) await useFolder(ctx, picked[0].fsPath);
      },
    },
    { label: 'Download', kind: vscode.QuickPickItemKind.Separator },
    ...CATALOG.filter((m) => !cachedRepos.has(m.repo)).map(
      (m): Item => ({
        label: `$(cloud-download) ${m.label}`,
        description: `${m.billions < 1 ? `${Math.round(m.billions * 1000)}M` : `${m.billions}B`} · ${Math.round(
          m.contextTokens / 1024,
        )}K context · ${m.licence}${m.gated ? ' · needs a token' : ''}`,
        detail: `${m.repo}: ${m.summary}`,
        run: () => chooseAndDownload(ctx, m.repo),
      }),
    ),
    {
      label: '$(search) Enter a Hub repository id...',
      detail: 'any ONNX causal language model, e.g. onnx-community/Qwen2.5-0.5B-Instruct',
      run: async () => {
        const repo = await vscode.window.showInputBox({
          title: 'Glassbox: Hugging Face repository',
          prompt: 'organisation/name of a repository with ONNX files (onnx/model*.onnx)',
          validateInput: (v) => (isRepoId(v.trim()) ? undefined : 'expected organisation/name'),
        });
        if (repo) await chooseAndDownload(ctx, repo.trim());
      },
    },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Glassbox: Choose Model',
    placeHolder: 'a model on this machine, or one to download from the Hugging Face Hub',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  await pick?.run?.();
}

/** Size on disk, open folder and delete for each model in the Hugging Face cache. */
export async function manageModels(ctx: PickerContext): Promise<void> {
  const cacheDir = hubCacheDir();
  const cached = await cachedModels(cacheDir);
  if (cached.length === 0) {
    void vscode.window.showInformationMessage(
      `Glassbox: no ONNX model in the Hugging Face cache (${cacheDir}). Choose Model... downloads one.`,
    );
    return;
  }
  const current = ctx.currentDir();
  const model = await vscode.window.showQuickPick(
    cached.map((m) => ({ ...cachedItem(ctx, m, current), model: m })),
    { title: `Glassbox: models in ${cacheDir}` },
  );
  if (!model) return;
  const m = model.model;
  const action = await vscode.window.showQuickPick(['Use', 'Open Folder', 'Delete'], {
    title: `${m.repo} (${sizeText(m.bytes)})`,
  });
  if (action === 'Use') await useFolder(ctx, m.path, m.dtypes.length === 1 ? (m.dtypes[0] as string) : '');
  else if (action === 'Open Folder') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(m.path));
  else if (action === 'Delete') {
    const sure = await vscode.window.showWarningMessage(
      `Delete ${m.repo} from the Hugging Face cache? Python and Transformers.js share this copy.`,
      { modal: true },
      'Delete',
    );
    if (sure !== 'Delete') return;
    if (current && current.startsWith(resolve(m.path, '..', '..', '..'))) await ctx.use('', '');
    deleteCachedRepo(cacheDir, m.repo);
    void vscode.window.showInformationMessage(`Glassbox: ${m.repo} deleted.`);
  }
}
