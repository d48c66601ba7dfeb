// When to offer "Install CUDA Support": CUDA asked for, the model on another provider, the provider files absent.
import { cudaProviderFiles, missingProviderFiles } from './provider-files';

export interface OfferInput {
  /** glassbox.executionProvider (or --ep). */
  requested: string;
  /** The provider the model was loaded on. */
  used: string;
  /** onnxruntime-node's bin folder (ortBinDir()). */
  binDir: string;
  platform?: NodeJS.Platform;
  arch?: string;
}

/**
 * Why installing CUDA support would help, as one line; undefined when it would not: CUDA was not asked for, is in
 * use, this onnxruntime-node has no CUDA provider here, or its files are already there (then the runtime libraries
 * are what is missing, which cudaRuntimeMissing names).
 */
export function cudaInstallOffer(input: OfferInput): string | undefined {
  if (input.requested !== 'cuda' || input.used === 'cuda') return undefined;
  const pkg = cudaProviderFiles(input.platform, input.arch);
  if (!pkg) return undefined;
  // the TensorRT provider is installed with them, but CUDA runs without it
  const missing = missingProviderFiles(input.binDir, pkg).filter((f) => !f.includes('_tensorrt.'));
  if (missing.length === 0) return undefined;
  return (
    `glassbox.executionProvider is cuda, but the model runs on ${input.used}: onnxruntime-node's CUDA provider ` +
    `(${missing.join(', ')}) is not installed`
  );
}
