// Why a model file or folder cannot be used, from the file system's own answer (not "missing" for every failure).
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { basename } from 'node:path';
import { ModelFolderError } from './model-errors';

/** The cause behind a Node fs error, in words that fit after the file's name. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read: permission denied';
    case 'ELOOP':
      return 'is a symbolic link that loops';
    case 'ENOTDIR':
      return 'is inside something that is not a folder';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENAMETOOLONG':
      return 'has a name too long for the file system';
    default:
      return `cannot be read (${code ?? (e as Error).message})`;
  }
}

/** stat() of `path`, undefined when it does not exist; any other failure is an `unreadable` error naming the cause. */
export function statIfPresent(path: string, what = basename(path)): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelFolderError('unreadable', `${what} ${fsReason(e)}`, path);
  }
}

/** Throws `unreadable` unless `path` is a file this process may read (`st`: its stat, when the caller has it). */
export function assertReadableFile(
  path: string,
  what = basename(path),
  st = statIfPresent(path, what),
): void {
  if (!st) throw new ModelFolderError('missing-file', `${what} does not exist`, path);
  if (st.isDirectory()) throw new ModelFolderError('unreadable', `${what} is a folder, not a file`, path);
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new ModelFolderError('unreadable', `${what} ${fsReason(e)}`, path);
  }
}
