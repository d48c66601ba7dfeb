// ESLint flat config: typescript-eslint recommended for all TS/JS; node globals for scripts; the layer rules
// (docs/ARCHITECTURE.md, "Layers"): which folder may import what.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'models/', '.tools/', 'coverage/', 'test-results/', '.cache/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.mjs', '*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS test code loaded by VS Code itself (@vscode/test-electron's extensionTestsPath)
    files: ['**/*.cjs'],
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  ...layerRules(),
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
);

/**
 * The layers, as no-restricted-imports per folder (one config per folder: flat config replaces a rule's options,
 * it does not merge them). Import specifiers are matched as written, so relative paths are matched by folder name.
 */
function layerRules() {
  const vscode = { name: 'vscode', message: 'Only the extension host (src/host/) imports vscode.' };
  const noBench = { regex: '(^|/)(bench|test)/', message: 'Shipped code never imports bench/ or test/.' };
  /** @type {(name: string, message: string) => { regex: string; message: string }} */
  const folder = (name, message) => ({ regex: `(^|/)${name}(/|$)`, message });
  /** @type {(paths: object[], patterns: object[]) => import('eslint').Linter.RulesRecord} */
  const rule = (paths, patterns) => ({
    '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }],
  });
  return [
    {
      files: ['src/host/**/*.ts'],
      rules: rule(
        [],
        [
          noBench,
          folder(
            'engine',
            'The host talks to the engine only through a backend in src/client/ (IPC or HTTP).',
          ),
          folder('cli', 'The host does not import the CLI.'),
        ],
      ),
    },
    {
      files: ['src/engine/**/*.ts'],
      rules: rule(
        [vscode],
        [
          noBench,
          folder('host', 'The engine knows nothing of the extension host.'),
          folder('cli', 'The engine does not import the CLI.'),
        ],
      ),
    },
    {
      files: ['src/hub/**/*.ts'],
      rules: rule(
        [vscode],
        [
          noBench,
          folder('host', 'Hub downloads run in Node alone, for the host and the CLI alike.'),
          folder('engine', 'Hub downloads do not load models: the engine does.'),
          folder('cli', 'Hub downloads do not import the CLI.'),
        ],
      ),
    },
    {
      files: ['src/cuda/**/*.ts'],
      rules: rule(
        [vscode],
        [
          noBench,
          folder('host', 'CUDA support runs in Node alone, for the host, the engine and the CLI.'),
          folder('engine', 'CUDA support does not load onnxruntime-node: the engine does.'),
          folder('cli', 'CUDA support does not import the CLI.'),
        ],
      ),
    },
    {
      files: ['src/client/**/*.ts'],
      rules: rule(
        [vscode],
        [
          noBench,
          folder('host', 'Engine backends run in Node alone, for the host, the CLI and the server.'),
          folder('engine', 'Engine backends reach the engine over IPC or HTTP, never in process.'),
          folder('cli', 'Engine backends do not import the CLI.'),
          folder('server', 'Engine backends do not import the server.'),
        ],
      ),
    },
    {
      files: ['src/server/**/*.ts'],
      rules: rule(
        [vscode],
        [
          noBench,
          folder('host', 'The server drives the engine, not the extension host.'),
          folder(
            'engine',
            'The server reaches the engine through src/client/ (a child process), as the host does.',
          ),
          folder('cli', 'The server does not import the CLI (the CLI starts the server).'),
        ],
      ),
    },
    {
      files: ['src/cli/**/*.ts'],
      rules: rule([vscode], [noBench, folder('host', 'The CLI drives the engine, not the extension host.')]),
    },
    {
      files: ['src/protocol/**/*.ts'],
      rules: rule(
        [vscode],
        [
          {
            regex: '.*',
            allowTypeImports: true,
            message:
              'src/protocol/ imports nothing at run time (import type only): host, engine and webview share it.',
          },
        ],
      ),
    },
    {
      files: ['webview/**/*.ts'],
      rules: rule(
        [
          vscode,
          ...builtinModules.map((name) => ({
            name,
            message: 'Webview code runs in a browser: no Node modules.',
          })),
        ],
        [
          { regex: '^node:', message: 'Webview code runs in a browser: no Node modules.' },
          {
            regex: '(^|/)src/(?!protocol/)',
            message: 'The webview shares only src/protocol/ with the host.',
          },
          noBench,
        ],
      ),
    },
  ];
}
