// Install CUDA Support: the installer in a cancellable progress notification, then what is still missing or a reload.
import * as vscode from 'vscode';
import { CudaInstallError } from '../../cuda/cuda-errors';
import { cudaInstallOffer } from '../../cuda/cuda-offer';
import { cudaRuntimeMissing } from '../../cuda/cuda-runtime';
import { installCudaSupport } from '../../cuda/install-cuda';
import { cudaProviderFiles, missingProviderFiles, noCudaHere, ortBinDir } from '../../cuda/provider-files';
import type { ModelStatus } from '../../protocol/panel-methods';
import { readConfig } from '../config';
import { byteProgress, proxiedFetch, sizeText } from './model-download-ui';

export interface CudaUiContext {
  log: vscode.LogOutputChannel;
  /** Loads the configured model again (the engine then tries CUDA again). */
  reloadModel: () => void;
}

const INSTALL = 'Install CUDA Support';

/** After the provider files are in place: the runtime libraries still missing, else CUDA is ready (reload or use it). */
async function reportReady(ctx: CudaUiContext, binDir: string, installed: boolean): Promise<void> {
  const runtime = cudaRuntimeMissing(process.platform, process.env, { binDir });
  const done = installed ? 'the CUDA provider is installed' : `the CUDA provider is already installed in ${binDir}`;
  if (runtime.message) ctx.log.warn(`CUDA: ${runtime.message}`);
  if (runtime.missing.length > 0) {
    void vscode.window.showWarningMessage(`Glassbox: ${done}, but ${runtime.message}.`);
    return;
  }
  const wanted = readConfig().executionProvider;
  const action = wanted === 'cuda' || wanted === 'auto' ? 'Reload Model' : 'Use CUDA';
  const cudnn = runtime.cudnnMissing ? ` (${runtime.message})` : '';
  const choice = await vscode.window.showInformationMessage(`Glassbox: ${done}; CUDA is ready${cudnn}.`, action);
  if (choice === 'Reload Model') ctx.reloadModel();
  else if (choice === 'Use CUDA') {
    // the setting change reloads the model on CUDA
    await vscode.workspace
      .getConfiguration('glassbox')
      .update('executionProvider', 'cuda', vscode.ConfigurationTarget.Global);
  }
}

/** glassbox.installCudaSupport: downloads and installs the CUDA provider into onnxruntime-node's bin folder. */
export async function installCuda(ctx: CudaUiContext): Promise<void> {
  const pkg = cudaProviderFiles();
  if (!pkg) {
    void vscode.window.showWarningMessage(`Glassbox: ${noCudaHere()}.`);
    return;
  }
  const binDir = ortBinDir();
  if (missingProviderFiles(binDir, pkg).length === 0) {
    await reportReady(ctx, binDir, false);
    return;
  }
  ctx.log.info(`installing ${pkg.id} ${pkg.version} (CUDA provider) into ${binDir}`);
  try {
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Glassbox: installing CUDA support (${pkg.id} ${pkg.version})`,
        cancellable: true,
      },
      async (progress, cancel) => {
        const controller = new AbortController();
        cancel.onCancellationRequested(() => controller.abort());
        const report = byteProgress(progress, 0);
        const result = await installCudaSupport({
          binDir,
          ...proxiedFetch(),
          signal: controller.signal,
          onProgress: (p) => {
            if (p.phase === 'extract') return progress.report({ message: 'verified; extracting the provider files' });
            report(p.bytes, p.total, () => `${sizeText(p.bytes)}${p.total ? ` of ${sizeText(p.total)}` : ''}`);
          },
        });
        ctx.log.info(`installed ${result.files.join(', ')} (${pkg.id} ${pkg.version}, SHA-512 verified)`);
      },
    );
  } catch (e) {
    if (e instanceof CudaInstallError && e.code === 'cancelled') {
      void vscode.window.showInformationMessage('Glassbox: the CUDA install was cancelled; nothing was installed.');
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    ctx.log.error(`CUDA install failed: ${message}`);
    const choice = await vscode.window.showErrorMessage(`Glassbox: ${message}`, 'Retry');
    if (choice === 'Retry') await installCuda(ctx);
    return;
  }
  await reportReady(ctx, binDir, true);
}

/**
 * Offers Install CUDA Support when a load finishes on another provider although glassbox.executionProvider is cuda
 * and the CUDA provider files are absent; at most once per window.
 */
export function cudaOffer(ctx: CudaUiContext): (status: ModelStatus) => void {
  let previous: ModelStatus['state'] | undefined;
  let offered = false;
  return (status) => {
    const loaded = status.state === 'ready' && previous !== 'ready';
    previous = status.state;
    if (!loaded || offered || !status.executionProvider) return;
    const why = cudaInstallOffer({
      requested: readConfig().executionProvider,
      used: status.executionProvider,
      binDir: ortBinDir(),
    });
    if (!why) return;
    offered = true;
    ctx.log.info(`offering CUDA support: ${why}`);
    void vscode.window.showWarningMessage(`Glassbox: ${why}.`, INSTALL).then((choice) => {
      if (choice === INSTALL) void vscode.commands.executeCommand('glassbox.installCudaSupport');
    });
  };
}
