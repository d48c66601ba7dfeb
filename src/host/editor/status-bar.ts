// The status bar item: model name, execution provider and the last answer's tokens/s; a click opens the panel.
import * as vscode from 'vscode';
import type { Availability, InspectorView } from '../../protocol/engine-methods';
import type { ModelStatus } from '../../protocol/panel-methods';
import { SERVER_LABELS } from '../../client/remote-views';
import { serverLabel } from '../models/model-manager';

export function statusText(s: ModelStatus): string {
  if (s.state === 'loading') return `$(loading~spin) ${s.name}`;
  if (s.state === 'error') return `$(error) ${s.name}`;
  const speed = s.lastTokensPerSecond === undefined ? '' : ` · ${s.lastTokensPerSecond.toFixed(1)} tok/s`;
  if (s.server) return `$(remote) ${s.name} · ${serverLabel(s.server.baseUrl)}${speed}`;
  return `$(hubot) ${s.name} · ${s.executionProvider ?? '?'}${speed}`;
}

const VIEW_NAMES: Record<InspectorView, string> = {
  tokens: 'Tokens',
  prediction: 'Prediction',
  attention: 'Attention',
  lens: 'Logit lens',
  embeddings: 'Embeddings',
  step: 'Step-through',
};

/** One line per Inspector view: what a server gives, and why not where it cannot. */
export function viewLines(views: Record<InspectorView, Availability>): string[] {
  return (Object.keys(VIEW_NAMES) as InspectorView[]).map((v) => {
    const a = views[v];
    return `  ${VIEW_NAMES[v]}: ${a.available ? 'yes' : `no (${a.reason})`}`;
  });
}

export function statusTooltip(s: ModelStatus): string {
  const lines = [`Glassbox model: ${s.name}${s.bundled ? ' (bundled demonstration model)' : ''}`, s.dir];
  if (s.state === 'loading') lines.push(s.server || /^https?:/.test(s.dir) ? 'Connecting…' : 'Loading…');
  if (s.state === 'error') lines.push(`Could not load: ${s.error ?? 'unknown error'}`);
  if (s.server)
    lines.push(`Server: ${SERVER_LABELS[s.server.kind]}`, 'Inspector views:', ...viewLines(s.server.views));
  else if (s.executionProvider) lines.push(`Execution provider: ${s.executionProvider}`);
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
