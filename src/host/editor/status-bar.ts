// The status bar item: model name, execution provider and the last answer's tokens/s; a click opens the panel.
import * as vscode from 'vscode';
import type { ModelStatus } from '../../protocol/panel-methods';

export function statusText(s: ModelStatus): string {
  if (s.state === 'loading') return `$(loading~spin) ${s.name}`;
  if (s.state === 'error') return `$(error) ${s.name}`;
  const speed = s.lastTokensPerSecond === undefined ? '' : ` · ${s.lastTokensPerSecond.toFixed(1)} tok/s`;
  return `$(hubot) ${s.name} · ${s.executionProvider ?? '?'}${speed}`;
}

export function statusTooltip(s: ModelStatus): string {
  const lines = [`Glassbox model: ${s.name}${s.bundled ? ' (bundled demonstration model)' : ''}`, s.dir];
  if (s.state === 'loading') lines.push('Loading…');
  if (s.state === 'error') lines.push(`Could not load: ${s.error ?? 'unknown error'}`);
  if (s.executionProvider) lines.push(`Execution provider: ${s.executionProvider}`);
  for (const f of s.fallbacks ?? []) lines.push(`  skipped ${f}`);
  if (s.contextLength) lines.push(`Context: ${s.contextLength} tokens`);
  if (s.lastTokensPerSecond !== undefined)
    lines.push(`Last answer: ${s.lastTokensPerSecond.toFixed(1)} tokens/s`);
  lines.push('Click to open the Glassbox panel');
  return lines.join('\n');
}

export function createStatusBar(onStatus: vscode.Event<ModelStatus>): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('glassbox.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Glassbox';
  item.command = 'glassbox.openChat';
  item.text = '$(hubot) Glassbox';
  item.show();
  const sub = onStatus((s) => {
    item.text = statusText(s);
    item.tooltip = statusTooltip(s);
    item.backgroundColor =
      s.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  });
  return vscode.Disposable.from(item, sub);
}
