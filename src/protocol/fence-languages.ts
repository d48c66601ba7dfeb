// Code-fence language names -> VS Code language ids (```py -> python): the one alias table for the panel and the host; import-free.

/** Fence names that differ from VS Code's language ids; any other name is its own id. */
export const FENCE_LANGUAGE_ALIASES: Readonly<Record<string, string>> = {
  js: 'javascript',
  jsx: 'javascriptreact',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescriptreact',
  py: 'python',
  rb: 'ruby',
  sh: 'shellscript',
  bash: 'shellscript',
  zsh: 'shellscript',
  shell: 'shellscript',
  console: 'shellscript',
  yml: 'yaml',
  md: 'markdown',
  'c++': 'cpp',
  cs: 'csharp',
  'c#': 'csharp',
  rs: 'rust',
  golang: 'go',
  text: 'plaintext',
  txt: 'plaintext',
  '': 'plaintext',
};

/** The VS Code language id for a fence's language name (`ts` -> `typescript`, `TS` -> `typescript`, `go` -> `go`). */
export function fenceLanguageId(fence: string): string {
  const name = fence.trim().toLowerCase();
  return Object.hasOwn(FENCE_LANGUAGE_ALIASES, name) ? (FENCE_LANGUAGE_ALIASES[name] as string) : name;
}
