// The UI state kept with getState/setState (tab, draft, attachments, inspector view), read back defensively; the
// conversation on screen is the host's to say (panel/ready's `current`).
import type { Attachment, PanelTab } from '../../src/protocol/panel-methods';

export const INSPECTOR_VIEWS = [
  'tokens',
  'prediction',
  'attention',
  'lens',
  'embeddings',
  'generate',
] as const;
export type InspectorView = (typeof INSPECTOR_VIEWS)[number];
/** How the Prediction view colours tokens: GLTR rank buckets or surprisal. */
export type ColourMode = 'rank' | 'surprisal';

export interface UiState {
  tab: PanelTab;
  draft: string;
  attachments: Attachment[];
  inspectorView: InspectorView;
  colourMode: ColourMode;
}

export const emptyUiState = (): UiState => ({
  tab: 'chat',
  draft: '',
  attachments: [],
  inspectorView: 'tokens',
  colourMode: 'rank',
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function isAttachment(v: unknown): v is Attachment {
  return (
    isObject(v) &&
    v.kind === 'selection' &&
    typeof v.file === 'string' &&
    typeof v.language === 'string' &&
    typeof v.text === 'string' &&
    Number.isInteger(v.startLine) &&
    Number.isInteger(v.endLine)
  );
}

/** The saved state, or null when there is none or it is not a state this version wrote. */
export function readUiState(saved: unknown): UiState | null {
  if (!isObject(saved) || saved.version !== 1) return null;
  const state = emptyUiState();
  if (saved.tab === 'chat' || saved.tab === 'inspector') state.tab = saved.tab;
  if (typeof saved.draft === 'string') state.draft = saved.draft;
  if (Array.isArray(saved.attachments)) state.attachments = saved.attachments.filter(isAttachment);
  const view = INSPECTOR_VIEWS.find((v) => v === saved.inspectorView);
  if (view) state.inspectorView = view;
  if (saved.colourMode === 'rank' || saved.colourMode === 'surprisal') state.colourMode = saved.colourMode;
  return state;
}

export function writeUiState(state: UiState): unknown {
  return { version: 1, ...state };
}

/** The same attachment (same file, lines and text) is not attached twice. */
export function sameAttachment(a: Attachment, b: Attachment): boolean {
  return a.file === b.file && a.startLine === b.startLine && a.endLine === b.endLine && a.text === b.text;
}
