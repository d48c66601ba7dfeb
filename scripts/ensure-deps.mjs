// Fresh-clone bootstrap: `npm ci` when node_modules is missing or stale; Debian packages on demand.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs a command with inherited stdio; throws when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 * @param {string} [input] what to write on its standard input
 */
function run(command, args, env = process.env, input = undefined) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: input === undefined ? 'inherit' : ['pipe', 'inherit', 'inherit'],
    env,
    ...(input === undefined ? {} : { input }),
  });
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

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Runs apt-get (with sudo unless root), non-interactively, waiting for another apt/dpkg run (a parallel install)
 * instead of failing on its lock.
 * @param {string[]} args
 */
function aptGet(args) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  if (asRoot) run('apt-get', [...lock, ...args], env);
  else run('sudo', ['apt-get', ...lock, ...args], env);
}

/**
 * apt's source files and their text (sources.list and sources.list.d's .list and .sources files).
 * @returns {{ file: string, text: string }[]}
 */
function aptSources() {
  const dir = '/etc/apt/sources.list.d';
  return ['/etc/apt/sources.list', ...(existsSync(dir) ? readdirSync(dir).map((f) => `${dir}/${f}`) : [])]
    .filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))
    .map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}

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
  console.log(`[ensure-deps] installing Debian packages: ${missing.join(', ')}`);
  aptGet(['update']);
  aptGet(['install', '-y', '--no-install-recommends', ...missing]);
  return missing;
}

/**
 * The installed version of a Debian package, or undefined.
 * @param {string} name
 */
function debianVersion(name) {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Status}|${Version}', name], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    const [status, version] = out.split('|');
    return status?.includes('install ok installed') ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The mirror Debian's own apt sources use for the main archive (deb822 .sources files or sources.list lines).
 * @returns {string}
 */
function debianMirror() {
  for (const { text } of aptSources()) {
    const stanza = text
      .split(/\n\s*\n/)
      .find((s) => /^Suites:.*\bbookworm\b/m.test(s) && /^URIs:/m.test(s) && !/^Enabled:\s*no/im.test(s));
    const uri = stanza && /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    if (uri) return uri;
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text)?.[1];
    if (line) return line;
  }
  return 'http://deb.debian.org/debian';
}

/**
 * A software Vulkan device (Mesa's lavapipe), so WebGPU runs on machines without a GPU and its tests run everywhere.
 * Dawn needs Mesa 24 or later: Debian 12 ships 22.3, so there it comes from bookworm-backports (the suite is added on
 * the mirror apt already uses). Other apt systems install their own mesa-vulkan-drivers. Returns what it did.
 * @returns {string}
 */
export function ensureLavapipe() {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) return 'not an apt system: skipped';
  const version = debianVersion('mesa-vulkan-drivers');
  const major = Number(version?.split('.')[0]);
  if (major >= 24 && debianVersion('libvulkan1')) return `mesa-vulkan-drivers ${version} present`;
  const release = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  if (!/^VERSION_CODENAME=bookworm$/m.test(release)) {
    const installed = ensureDebianPackages(['mesa-vulkan-drivers', 'libvulkan1']);
    return installed.length ? `installed ${installed.join(', ')}` : `mesa-vulkan-drivers ${version} present`;
  }
  const list = '/etc/apt/sources.list.d/glassbox-bookworm-backports.sources';
  if (!aptSources().some(({ text }) => /bookworm-backports/.test(text))) {
    const stanza =
      `Types: deb\nURIs: ${debianMirror()}\nSuites: bookworm-backports\nComponents: main\n` +
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n';
    console.log(`[ensure-deps] adding bookworm-backports (${list}) for Mesa's lavapipe`);
    if (asRoot) writeFileSync(list, stanza);
    else run('sudo', ['tee', list], process.env, stanza);
  }
  aptGet(['update']);
  aptGet([
    'install',
    '-y',
    '--no-install-recommends',
    '-t',
    'bookworm-backports',
    'mesa-vulkan-drivers',
    'libvulkan1',
  ]);
  return `installed mesa-vulkan-drivers ${debianVersion('mesa-vulkan-drivers')} from bookworm-backports`;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) ensureNodeModules();
