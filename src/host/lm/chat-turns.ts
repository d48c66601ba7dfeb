// VS Code Chat's turns and references as Glassbox chat messages and attachments (the @glassbox participant's input).
import * as vscode from 'vscode';
import type { Attachment, ChatMessage } from '../../protocol/panel-methods';

/** The ids VS Code gives the editor selection as a chat reference (implicit, and `#selection`). */
const SELECTION_REFERENCES = new Set(['vscode.implicit.selection', 'vscode.selection']);

/** The text of a response turn: its markdown parts, in order (buttons, references and progress carry no text). */
function responseText(turn: vscode.ChatResponseTurn): string {
  return turn.response
    .map((part) => (part instanceof vscode.ChatResponseMarkdownPart ? part.value.value : ''))
    .join('');
}

/** This participant's earlier turns as messages (an empty answer, e.g. one stopped at once, is left out). */
export function historyMessages(
  history: readonly (vscode.ChatRequestTurn | vscode.ChatResponseTurn)[],
  now: number,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const [i, turn] of history.entries()) {
    if (turn instanceof vscode.ChatRequestTurn) {
      const text = turn.command ? `/${turn.command} ${turn.prompt}`.trim() : turn.prompt;
      out.push({ id: `vscode-${i}`, role: 'user', content: text, createdAt: now });
    } else {
      const text = responseText(turn);
      if (text.trim() !== '')
        out.push({ id: `vscode-${i}`, role: 'assistant', content: text, state: 'done', createdAt: now });
    }
  }
  return out;
}

/** A document range as an attachment (file relative to the workspace, 1-based lines, the language id). */
export function rangeAttachment(doc: vscode.TextDocument, range: vscode.Range): Attachment {
  const end =
    range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  return {
    kind: 'selection',
    file: doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri, false),
    language: doc.languageId,
    text: doc.getText(range),
    startLine: range.start.line + 1,
    endLine: end + 1,
  };
}

/**
 * The request's code: selections (implicit or `#selection`) and `#file` references, in the order given; other
 * references (instructions, customizations) are not code and are left out.
 */
export async function referenceAttachments(
  references: readonly vscode.ChatPromptReference[],
): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const ref of references) {
    const value = ref.value;
    if (value instanceof vscode.Location) {
      if (value.range.isEmpty && SELECTION_REFERENCES.has(ref.id)) continue;
      const doc = await vscode.workspace.openTextDocument(value.uri);
      out.push(
        rangeAttachment(doc, value.range.isEmpty ? new vscode.Range(0, 0, doc.lineCount, 0) : value.range),
      );
    } else if (
      value instanceof vscode.Uri &&
      value.scheme === 'file' &&
      !ref.id.startsWith('vscode.customizations')
    ) {
      const doc = await vscode.workspace.openTextDocument(value);
      out.push(rangeAttachment(doc, new vscode.Range(0, 0, doc.lineCount, 0)));
    }
  }
  return out;
}
