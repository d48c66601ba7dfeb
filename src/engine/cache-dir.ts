// Where the engine keeps derived files (edited ONNX copies): GLASSBOX_CACHE_DIR, else the platform's user cache folder.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.GLASSBOX_CACHE_DIR) return env.GLASSBOX_CACHE_DIR;
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'glassbox', 'cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'glassbox');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'glassbox');
}
