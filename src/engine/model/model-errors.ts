// ModelFolderError: the one error type for a model folder that cannot be used, with a stable code.

import type { ModelFolderErrorCode } from '../../protocol/errors';

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
