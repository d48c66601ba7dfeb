// Where glassbox.modelPath points: `~` and relative paths made absolute, and never into a workspace that is not trusted.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** The workspace a relative model path would be resolved against. */
export interface WorkspaceContext {
  /** The first workspace folder on disk (undefined: none, or a virtual one). */
  folder: string | undefined;
  /** VS Code's workspace trust: false in Restricted Mode. */
  trusted: boolean;
}

/**
 * The folder to load: the bundled model for '', `~` expanded, a relative path against the first workspace folder
 * (else the home folder). A relative path in a workspace that is not trusted would load the repository's own files:
 * that throws instead, saying what to do.
 */
export function resolveModelPath(
  setting: string,
  bundledDir: string,
  workspace: WorkspaceContext,
): { dir: string; bundled: boolean } {
  if (setting === '') return { dir: bundledDir, bundled: true };
  let p = setting.startsWith('~') ? join(homedir(), setting.slice(1)) : setting;
  if (!isAbsolute(p)) {
    if (workspace.folder && !workspace.trusted) {
      throw new Error(
        `glassbox.modelPath "${setting}" is relative, so it would load a folder of this workspace, which is not ` +
          'trusted (Restricted Mode). Trust the workspace, or set an absolute path in your user settings.',
      );
    }
    p = resolve(workspace.folder ?? homedir(), p);
  }
  return { dir: p, bundled: resolve(p) === resolve(bundledDir) };
}
