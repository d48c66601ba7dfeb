// ModelFolderError: the one error type for a model folder that cannot be used, with a stable code.

/** Stable names for what is wrong with a model folder (tests and the UI switch on these). */
export type ModelFolderErrorCode =
  'missing-file' | 'bad-json' | 'bad-config' | 'unknown-model-type' | 'bad-onnx' | 'graph-mismatch';

export class ModelFolderError extends Error {
  override readonly name = 'ModelFolderError';
  constructor(
    readonly code: ModelFolderErrorCode,
    message: string,
    /** The file the problem is in, when there is one. */
    readonly path?: string,
  ) {
    super(message);
  }
}
