// Downloads a Hub model with a cancellable progress notification (bytes, rate, time left), then makes it the model.
import { freemem } from 'node:os';
import * as vscode from 'vscode';
import { CATALOG, recommendVariant } from '../../hub/catalog';
import { hubEndpoint, listRepo, type RepoListing } from '../../hub/hub-api';
import { hubCacheDir } from '../../hub/hub-cache';
import { HubError } from '../../hub/hub-errors';
import { downloadModel, type DownloadProgress } from '../../hub/model-download';
import { proxyFetch } from '../../hub/proxy-fetch';
import { variantsOf } from '../../hub/variant-files';
import type { GlassboxConfig } from '../config';
import { hubToken, promptForToken } from './hub-token';

export interface DownloadContext {
  secrets: vscode.SecretStorage;
  log: vscode.LogOutputChannel;
  config: () => GlassboxConfig;
  /** The provider the model runs on now (for the variant recommendation). */
  provider: () => string | undefined;
  /** Makes a downloaded snapshot the model (settings, so it survives restarts). */
  use: (folder: string, dtype: string) => Promise<void>;
  /** Tells the panel how the download goes (undefined: finished or stopped). */
  onProgress?: (p: (DownloadProgress & { repo: string; dtype: string }) | undefined) => void;
}

/** A size for people: GB from 2^30 bytes on, else MB (2^20), as VS Code's own views write them. */
export const sizeText = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GB` : `${(n / 2 ** 20).toFixed(1)} MB`;
const duration = (s: number) => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.ceil(s)} s`);

export function progressMessage(p: DownloadProgress): string {
  const rate = p.bytesPerSecond > 0 ? `, ${sizeText(p.bytesPerSecond)}/s` : '';
  const left = p.secondsLeft !== undefined ? `, ${duration(p.secondsLeft)} left` : '';
  return `${sizeText(p.bytes)} of ${sizeText(p.total)}${rate}${left}`;
}

/**
 * Reports bytes to a progress notification a few times a second (and always at the end), moving its bar by the
 * difference; `unknownTotal` is the bar's percentage while the total is not known. Says whether it reported.
 */
export function byteProgress(
  progress: vscode.Progress<{ message?: string; increment?: number }>,
  unknownTotal: number,
): (bytes: number, total: number, message: () => string) => boolean {
  let shown = 0;
  let last = 0;
  return (bytes, total, message) => {
    if (Date.now() - last < 250 && bytes < total) return false;
    last = Date.now();
    const pct = total ? (100 * bytes) / total : unknownTotal;
    progress.report({ message: message(), increment: pct - shown });
    shown = pct;
    return true;
  };
}

/** VS Code's proxy settings (http.proxy, http.proxyStrictSSL), else the environment's proxy (Hub, NuGet). */
export function proxiedFetch(): { fetch?: typeof fetch } {
  const http = vscode.workspace.getConfiguration('http');
  const viaProxy = proxyFetch({
    url: http.get<string>('proxy') || undefined,
    strictSSL: http.get<boolean>('proxyStrictSSL', true),
  });
  return viaProxy ? { fetch: viaProxy } : {};
}

/** Shows a Hub failure with what to do next (set a token, retry). */
async function reportFailure(ctx: DownloadContext, repo: string, e: unknown, retry: () => Promise<void>): Promise<void> {
  if (e instanceof HubError && e.code === 'cancelled') {
    void vscode.window.showInformationMessage(
      `Glassbox: the download of ${repo} was cancelled; choosing it again resumes where it stopped.`,
    );
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  ctx.log.error(`download of ${repo} failed: ${message}`);
  const actions =
    e instanceof HubError && (e.code === 'needs-token' || e.code === 'gated')
      ? ['Set Hugging Face Token...', 'Retry']
      : ['Retry'];
  const choice = await vscode.window.showErrorMessage(`Glassbox: ${message}`, ...actions);
  if (choice === 'Set Hugging Face Token...') {
    await promptForToken(ctx.secrets);
    await retry();
  } else if (choice === 'Retry') await retry();
}

/** Lists the repository, lets the user pick a variant (the recommended one first), downloads it and switches. */
export async function chooseAndDownload(ctx: DownloadContext, repo: string): Promise<void> {
  const config = ctx.config();
  const endpoint = hubEndpoint(config.hubEndpoint);
  const token = await hubToken(ctx.secrets);
  let listing: RepoListing;
  try {
    listing = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Glassbox: looking up ${repo}...` },
      () => listRepo(repo, 'main', { endpoint, token, ...proxiedFetch() }),
    );
  } catch (e) {
    return reportFailure(ctx, repo, e, () => chooseAndDownload(ctx, repo));
  }
  const variants = variantsOf(listing.files);
  const billions = CATALOG.find((m) => m.repo === repo)?.billions ?? 0;
  const provider = ctx.provider() ?? 'cpu';
  const best = recommendVariant(variants, provider, freemem(), billions);
  if (!best) {
    void vscode.window.showErrorMessage(
      `Glassbox: ${repo} has no ONNX model (onnx/model*.onnx). Glassbox runs ONNX exports, as onnx-community repositories hold.`,
    );
    return;
  }
  const items = [best.variant, ...variants.filter((v) => v !== best.variant)].map((v) => ({
    label: v.dtype,
    description: `${sizeText(v.bytes)}${v === best.variant ? ' · recommended' : ''}`,
    detail: v === best.variant ? best.why : `${v.files.length} file${v.files.length === 1 ? '' : 's'}`,
    variant: v,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: `Download ${repo}: which precision?`,
    placeHolder: `Running on ${provider}; ${sizeText(freemem())} of memory free`,
  });
  if (!pick) return;
  await download(ctx, repo, pick.variant.dtype);
}

/** Downloads `dtype` of `repo` into the Hugging Face cache with a progress notification, then makes it the model. */
export async function download(ctx: DownloadContext, repo: string, dtype: string): Promise<void> {
  const config = ctx.config();
  const endpoint = hubEndpoint(config.hubEndpoint);
  const token = await hubToken(ctx.secrets);
  const cacheDir = hubCacheDir();
  try {
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Glassbox: downloading ${repo} (${dtype})`,
        cancellable: true,
      },
      async (progress, cancel) => {
        const controller = new AbortController();
        cancel.onCancellationRequested(() => controller.abort());
        const report = byteProgress(progress, 100);
        return downloadModel({
          repo,
          dtype,
          cacheDir,
          endpoint,
          token,
          ...proxiedFetch(),
          signal: controller.signal,
          onProgress: (p) => {
            if (report(p.bytes, p.total, () => progressMessage(p))) ctx.onProgress?.({ ...p, repo, dtype });
          },
        });
      },
    );
    ctx.log.info(`downloaded ${repo} (${dtype}, ${result.files.length} files, ${result.bytes} bytes) to ${result.path}`);
    await ctx.use(result.path, dtype);
  } catch (e) {
    await reportFailure(ctx, repo, e, () => download(ctx, repo, dtype));
  } finally {
    ctx.onProgress?.(undefined);
  }
}
