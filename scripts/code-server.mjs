// A real VS Code without downloads: Node 24 and code-server from the npm registry into .tools/, built against Debian libs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianPackages } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = join(root, '.tools');
const CODE_SERVER_VERSION = '4.139.1';
const NODE_MAJOR = '24';
/** Debian packages code-server's native modules build against. */
const BUILD_PACKAGES = [
  'build-essential',
  'python3',
  'pkg-config',
  'libkrb5-dev',
  'libsecret-1-dev',
  'libx11-dev',
  'libxkbfile-dev',
];

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 */
function run(command, args, options = {}) {
  const r = spawnSync(command, args, {
    stdio: 'inherit',
    cwd: options.cwd ?? root,
    env: options.env ?? process.env,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
}

/** Node 24 (code-server's engine) from the npm registry's platform package; returns its folder (bin/, include/). */
export function ensureNode24() {
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = join(toolsDir, 'node24');
  const home = join(dir, 'node_modules', pkg);
  if (!existsSync(join(home, 'bin', 'node'))) {
    mkdirSync(dir, { recursive: true });
    console.log(`[code-server] installing Node ${NODE_MAJOR} (${pkg}) into ${dir}`);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, `${pkg}@${NODE_MAJOR}`]);
  }
  return home;
}

/** code-server in .tools/code-server (its native modules for Node 24); returns Node 24 and code-server's entry script. */
export function ensureCodeServer() {
  const node = ensureNode24();
  const dir = join(toolsDir, 'code-server');
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const done = join(dir, '.installed');
  const nodeBin = join(node, 'bin', 'node');
  if (existsSync(done) && existsSync(entry)) return { node: nodeBin, entry };
  ensureDebianPackages(BUILD_PACKAGES);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'glassbox-tools-code-server', private: true, dependencies: { 'code-server': CODE_SERVER_VERSION } }, null, 2)}\n`,
  );
  console.log(
    `[code-server] installing code-server ${CODE_SERVER_VERSION} into ${dir} (about 600 MB; a few minutes)`,
  );
  // settings of an outer npm run (npm test) would leak in: its user agent names the outer Node, which
  // code-server's postinstall reads to check for Node 24
  const outer = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_(config|lifecycle|package)_/i.test(k)),
  );
  const env = {
    ...outer,
    // code-server's install scripts check for and run under Node 24, and build against its headers
    PATH: `${join(node, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: node,
    // this folder holds code-server's own tree only: its postinstall (and argon2's) must run
    npm_config_dangerously_allow_all_scripts: 'true',
  };
  run(nodeBin, [npmCli(), 'install', '--no-audit', '--no-fund', '--foreground-scripts'], { cwd: dir, env });
  if (!existsSync(entry)) throw new Error(`code-server did not install: ${entry} is missing`);
  writeFileSync(done, `${CODE_SERVER_VERSION}\n`);
  return { node: nodeBin, entry };
}

/** The system npm's CLI script (run with Node 24 so the install scripts it starts see Node 24). */
function npmCli() {
  const r = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  const cli = join(r.stdout.trim(), 'npm', 'bin', 'npm-cli.js');
  if (!existsSync(cli)) throw new Error(`npm's CLI script not found at ${cli}`);
  return cli;
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * code-server's config file inside the profile (instead of ~/.config/code-server).
 * @param {string} userDataDir
 */
function configFile(userDataDir) {
  mkdirSync(userDataDir, { recursive: true });
  const file = join(userDataDir, 'code-server.yaml');
  if (!existsSync(file)) writeFileSync(file, 'auth: none\ncert: false\n');
  return file;
}

/**
 * Installs a VSIX into a code-server profile.
 * @param {{ node: string, entry: string }} cs
 * @param {string} vsix
 * @param {{ userDataDir: string, extensionsDir: string }} profile
 */
export function installExtension(cs, vsix, profile) {
  run(cs.node, [
    cs.entry,
    '--config',
    configFile(profile.userDataDir),
    '--user-data-dir',
    profile.userDataDir,
    '--extensions-dir',
    profile.extensionsDir,
    '--install-extension',
    vsix,
    '--force',
  ]);
}

/**
 * Starts code-server on 127.0.0.1:port with no auth; resolves once it answers HTTP.
 * @param {{ node: string, entry: string }} cs
 * @param {{ port: number, userDataDir: string, extensionsDir: string, folder: string, env?: Record<string, string>, trust?: boolean, log?: (text: string) => void }} o
 */
export async function startCodeServer(cs, o) {
  const child = spawn(
    cs.node,
    [
      cs.entry,
      '--config',
      configFile(o.userDataDir),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${o.port}`,
      // the tests' workspaces are trusted unless a test asks for Restricted Mode
      ...(o.trust === false ? [] : ['--disable-workspace-trust']),
      '--disable-telemetry',
      '--disable-update-check',
      '--user-data-dir',
      o.userDataDir,
      '--extensions-dir',
      o.extensionsDir,
      o.folder,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } },
  );
  const log = o.log ?? (() => undefined);
  child.stdout.setEncoding('utf8').on('data', log);
  child.stderr.setEncoding('utf8').on('data', log);
  const url = `http://127.0.0.1:${o.port}/`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before serving`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.status < 500) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill();
  throw new Error(`code-server did not answer on ${url} within 60 s`);
}
