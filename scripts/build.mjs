// The one esbuild script: extension host, engine child process, CLI and webview bundles (--watch, --production).
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

/** Options every bundle shares. @type {esbuild.BuildOptions} */
const common = {
  absWorkingDir: root,
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  legalComments: production ? 'none' : 'inline',
  logLevel: watch ? 'info' : 'warning',
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
};

/** Node bundles: onnxruntime-node ships in node_modules (native binaries), never bundled. @type {esbuild.BuildOptions} */
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node'] };

/** Keeps the CLI bundle executable after every (re)build. @type {esbuild.Plugin} */
const executable = {
  name: 'executable',
  setup(build) {
    build.onEnd(() => {
      const file = build.initialOptions.outfile;
      if (file && existsSync(join(root, file))) chmodSync(join(root, file), 0o755);
    });
  },
};

/** Ships the codicon font and its stylesheet with the webview (dist/codicon.css, dist/codicon.ttf). @type {esbuild.Plugin} */
const codicons = {
  name: 'codicons',
  setup(build) {
    build.onEnd(() => {
      mkdirSync(join(root, 'dist'), { recursive: true });
      for (const file of ['codicon.css', 'codicon.ttf']) {
        copyFileSync(
          join(root, 'node_modules', '@vscode', 'codicons', 'dist', file),
          join(root, 'dist', file),
        );
      }
    });
  },
};

/** @type {esbuild.BuildOptions[]} */
const bundles = [
  {
    ...node,
    entryPoints: ['src/host/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode', 'onnxruntime-node'],
  },
  { ...node, entryPoints: ['src/engine/main.ts'], outfile: 'dist/engine.js' },
  {
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    external: ['onnxruntime-node'],
    banner: { js: '#!/usr/bin/env node' },
    plugins: [executable],
  },
  {
    // the webview's CSS imports are bundled beside it as dist/webview.css
    ...common,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    plugins: [codicons],
  },
];

if (!watch) rmSync(join(root, 'dist'), { recursive: true, force: true });

if (watch) {
  const contexts = await Promise.all(bundles.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
  console.log('[build] watching for changes (Ctrl+C to stop)');
} else {
  const results = await Promise.all(bundles.map((options) => esbuild.build(options)));
  const problems = results.reduce((n, r) => n + r.errors.length, 0);
  if (problems > 0) process.exit(1);
  console.log(`[build] ${bundles.length} bundles built (${production ? 'production' : 'development'})`);
}
