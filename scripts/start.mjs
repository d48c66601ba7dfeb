// `npm start`: build and package the extension, then open VS Code (or a local code-server) on the demo workspace.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, freePort, installExtension, startCodeServer, toolsDir } from './code-server.mjs';
import { packageVsix } from './package-vsix.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'demo');

/**
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
}

/** The `code` CLI of a desktop VS Code, when one is on PATH. */
function desktopCode() {
  const r = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['code'], { encoding: 'utf8' });
  const path = r.status === 0 ? r.stdout.split('\n')[0]?.trim() : '';
  // code-server's own `code` helper is not a desktop VS Code
  return path && !path.includes('code-server') ? path : undefined;
}

async function main() {
  const vsix = packageVsix();
  const code = desktopCode();
  if (code) {
    console.log(`[start] installing ${vsix} into VS Code (${code}) and opening ${demo}`);
    run(code, ['--install-extension', vsix, '--force']);
    run(code, [demo]);
    return;
  }
  console.log('[start] no `code` command here: running VS Code in the browser with code-server');
  const cs = ensureCodeServer();
  const profile = {
    userDataDir: join(toolsDir, 'profile', 'data'),
    extensionsDir: join(toolsDir, 'profile', 'extensions'),
  };
  mkdirSync(profile.extensionsDir, { recursive: true });
  installExtension(cs, vsix, profile);
  const port = Number(process.env.PORT) || (await freePort());
  const { child, url } = await startCodeServer(cs, { port, ...profile, folder: demo });
  console.log(`\n[start] Glassbox is running in VS Code at ${url}?folder=${encodeURIComponent(demo)}`);
  console.log('[start] open it in a browser on this machine; Ctrl+C stops it.\n');
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise((resolve) => child.once('exit', resolve));
}

main().catch((e) => {
  console.error(`[start] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
