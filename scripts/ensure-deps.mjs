// Fresh-clone bootstrap: `npm ci` when node_modules is missing or stale; Debian packages on demand.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs a command with inherited stdio; throws when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

/** True when node_modules is missing or older than package-lock.json. */
export function nodeModulesStale() {
  const hidden = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(hidden)) return true;
  return statSync(join(root, 'package-lock.json')).mtimeMs > statSync(hidden).mtimeMs;
}

/**
 * Installs the locked dependencies with `npm ci` when needed. onnxruntime-node's postinstall (a NuGet
 * download of CUDA binaries) is denied by package.json's allowScripts (npm 11); the environment variable,
 * which the script itself reads, skips it with npm versions that do not know allowScripts.
 */
export function ensureNodeModules() {
  if (!nodeModulesStale()) return;
  console.log('[ensure-deps] node_modules missing or older than package-lock.json: running npm ci');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, ['ci', '--no-audit', '--no-fund'], { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' });
}

/**
 * True when a Debian package is installed (dpkg -s).
 * @param {string} name
 */
function debianInstalled(name) {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Status}', name], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.toString().includes('install ok installed');
  } catch {
    return false;
  }
}

/** Fonts for the characters the tests put on screen (emoji, CJK), so screenshots show them rather than boxes. */
export const SCREENSHOT_FONTS = ['fonts-noto-color-emoji', 'fonts-noto-cjk'];

/**
 * apt-get installs the named Debian packages that are missing (one `apt-get update` first), with sudo
 * unless already root. Returns the names it installed.
 * @param {readonly string[]} names
 * @returns {string[]}
 */
export function ensureDebianPackages(names) {
  const missing = names.filter((name) => !debianInstalled(name));
  if (missing.length === 0) return [];
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(`Missing system packages (${missing.join(', ')}) and no apt-get to install them`);
  }
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = asRoot ? ['apt-get'] : ['sudo', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log(`[ensure-deps] installing Debian packages: ${missing.join(', ')}`);
  // wait for another apt/dpkg run (a parallel install) instead of failing on its lock
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  run(apt[0] ?? 'apt-get', [...apt.slice(1), ...lock, 'update'], env);
  run(
    apt[0] ?? 'apt-get',
    [...apt.slice(1), ...lock, 'install', '-y', '--no-install-recommends', ...missing],
    env,
  );
  return missing;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) ensureNodeModules();
