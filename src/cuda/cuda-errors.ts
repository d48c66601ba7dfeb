// CudaInstallError: why installing the CUDA provider failed, as a code the UI acts on and a one-line message.
export type CudaInstallCode =
  | 'unsupported' // this onnxruntime-node has no CUDA provider for the platform
  | 'not-found' // the feed has no such package or version (404)
  | 'network' // the feed could not be reached, or answered an error
  | 'bad-feed' // the feed answered, but not as a NuGet v3 feed does
  | 'no-hash' // the feed publishes no SHA-512 for the package: nothing to verify it against
  | 'corrupt' // the package does not match its published hash or size
  | 'bad-package' // the package lacks a provider file
  | 'cancelled'
  | 'write'; // the bin folder could not be written

export class CudaInstallError extends Error {
  constructor(
    readonly code: CudaInstallCode,
    message: string,
  ) {
    super(message);
    this.name = 'CudaInstallError';
  }
}
