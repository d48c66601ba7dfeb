// The host <-> webview method maps of the Glassbox panel; pure types, imported by src/panel and webview/.
import type {
  Availability,
  EngineMethods,
  InspectorView,
  InspectResult,
  ServerKind,
  NextDistribution,
  StopReason,
  StepSampleResult,
  StepToken,
} from './engine-methods';

/** Code the user attached to a message: a selection (or whole file) with where it came from. */
export interface Attachment {
  kind: 'selection';
  /** Workspace-relative path (or the untitled name) shown to the user and the model. */
  file: string;
  /** VS Code language id (`typescript`, `python`). */
  language: string;
  text: string;
  /** 1-based lines, inclusive. */
  startLine: number;
  endLine: number;
}

export type MessageState = 'streaming' | 'done' | 'stopped' | 'error';

export interface AnswerStats {
  /** Tokens in the rendered prompt that produced this answer. */
  promptTokens: number;
  /** Tokens generated. */
  tokens: number;
  tokensPerSecond: number;
  firstTokenMs: number;
  stopReason: StopReason;
  executionProvider: string;
  model: string;
  /** The generated token ids in order (what a replay in the step-through appends); absent in older answers. */
  tokenIds?: number[];
  /** How the answer was sampled (temperature 0: always the most likely token). */
  sampling?: AnswerSampling;
}

export interface AnswerSampling {
  temperature: number;
  topP: number;
}

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  /** Markdown as the model (or the user) wrote it; the webview renders it sanitised. */
  content: string;
  attachments?: Attachment[];
  /** Assistant messages only. */
  state?: MessageState;
  error?: string;
  stats?: AnswerStats;
  createdAt: number;
}

export interface Conversation {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  messages: ChatMessage[];
}

export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: number;
  messageCount: number;
}

export interface ModelStatus {
  state: 'loading' | 'ready' | 'error';
  /** Model folder name (`glassbox-tiny`). */
  name: string;
  dir: string;
  /** True for the tiny model shipped inside the extension. */
  bundled: boolean;
  contextLength?: number;
  /** The provider actually in use, and why others were skipped. */
  executionProvider?: string;
  fallbacks?: string[];
  /** How a quantized model's MatMuls compute (ModelInfo.quantizedCompute); absent for models without them. */
  quantizedCompute?: 'int8' | 'model';
  /** Set when state is 'error'. */
  error?: string;
  /** tokens/s of the last answer, when there was one. */
  lastTokensPerSecond?: number;
  /** A model download in progress (Choose Model...), shown beside the model that runs meanwhile. */
  download?: DownloadStatus;
  /** Set when the model runs on a server: which, and what the Inspector can show from it. */
  server?: {
    kind: ServerKind;
    baseUrl: string;
    models: string[];
    views: Record<InspectorView, Availability>;
  };
}

export interface DownloadStatus {
  repo: string;
  dtype: string;
  bytes: number;
  total: number;
  bytesPerSecond: number;
  /** null until a rate is known. */
  secondsLeft: number | null;
}

export interface ContextUse {
  /** Prompt tokens the next answer would start from (conversation + draft, chat template applied). */
  promptTokens: number;
  contextLength: number;
  /** Tokens the answer may still use (contextLength - promptTokens, not below 0). */
  remaining: number;
}

export interface PanelInit {
  model: ModelStatus | null;
  conversations: ConversationSummary[];
  /** The conversation to show (the last one used), or null for a new chat. */
  current: Conversation | null;
  /** Shows the "tiny demonstration model" notice. */
  firstRun: boolean;
}

export type PanelTab = 'chat' | 'inspector';

/** Where the inspected text came from. Offsets are UTF-16 offsets into the document, as VS Code counts. */
export interface InspectSource {
  /** Workspace-relative path or untitled name. */
  file: string;
  language: string;
  /** Document offsets of the inspected text (its tokens' start/end are relative to `start`). */
  start: number;
  end: number;
  startLine: number;
  endLine: number;
  /** True while the inspector keeps this text instead of following the selection. */
  pinned: boolean;
}

/** What the Inspector tab shows; the host sends a new one whenever it changes. */
export interface InspectorState {
  /**
   * idle: nothing selected yet; running: an inspection is on its way (the previous result may still show);
   * ready: `result` is for `source`; error: `message` says why.
   */
  state: 'idle' | 'running' | 'ready' | 'error';
  message?: string;
  source?: InspectSource;
  /** The engine's result: tokens (with bytes and spans), per-position numbers, availability of attention and lens. */
  result?: InspectResult;
  /** The model that produced it. */
  model?: string;
  /** Host-side time from the selection to the result, in ms (the engine's own timings are in result.timings). */
  elapsedMs?: number;
  /** Editor highlights (rank colouring) are on. */
  highlights: boolean;
}

export interface StepStart {
  handle: string;
  /** The prompt's tokens (the chat template applied when the prompt came as chat). */
  prompt: StepToken[];
  next: NextDistribution;
}

/** A chat answer opened in the step-through: its prompt's pass now, its tokens to append one by one. */
export interface StepReplay extends StepStart {
  /** The answer's token ids in order. */
  answer: number[];
  /** How the answer was sampled, when it was recorded. */
  sampling: AnswerSampling | null;
  /** Why the answer ended (`eos`: the stop token was picked after its last token). */
  stopReason: AnswerStats['stopReason'] | null;
  /** Where this replay differs from how the answer was produced (text tokenized again, another model or prompt). */
  notes: string[];
}

/** Webview -> host requests: method -> params and result. Every params object is validated by the host. */
export interface PanelRequests {
  /** The handshake: the host queues its notifications until this arrives, then answers with the state. */
  'panel/ready': { params: undefined; result: PanelInit };
  /**
   * Adds a user message to `conversationId` (null: a new conversation) and starts the answer; resolves as soon as
   * the message is stored. The answer arrives as chat/updated, chat/delta and chat/finished notifications.
   */
  'chat/send': {
    params: { conversationId: string | null; text: string; attachments: Attachment[] };
    result: { conversationId: string };
  };
  /** Stops the answer being generated in this conversation (in the engine, before its next token). */
  'chat/stop': { params: { conversationId: string }; result: undefined };
  /** Drops the last assistant answer and generates it again. */
  'chat/regenerate': { params: { conversationId: string }; result: undefined };
  /** Prompt tokens for the conversation plus a draft, for the context meter. */
  'chat/contextUse': {
    params: { conversationId: string | null; draft: string; attachments: Attachment[] };
    result: ContextUse;
  };
  /**
   * The panel shows a new chat: the host forgets its current conversation. The host alone says which conversation is
   * on screen after a reload (a webview's own saved state can come back stale after a window reload).
   */
  'chat/new': { params: undefined; result: undefined };
  'history/list': { params: undefined; result: ConversationSummary[] };
  'history/open': { params: { id: string }; result: Conversation };
  'history/delete': { params: { id: string }; result: undefined };
  /** Code-block actions. */
  'editor/insert': { params: { code: string }; result: undefined };
  'editor/openNew': { params: { code: string; language: string }; result: undefined };
  'clipboard/copy': { params: { text: string }; result: undefined };
  /** A link in model output the user clicked: the host asks for confirmation before opening anything. */
  'link/open': { params: { href: string }; result: { opened: boolean } };
  /** Opens the glassbox settings, e.g. from the first-run notice. */
  'settings/open': { params: { query?: string }; result: undefined };
  /** Runs Glassbox: Choose Model... (models on this machine, downloads from the Hugging Face Hub). */
  'model/choose': { params: undefined; result: undefined };
  /** The first-run notice was dismissed; it does not come back. */
  'notice/dismiss': { params: undefined; result: undefined };
  /** The inspector's current state (the tab asks when it opens). */
  'inspect/state': { params: undefined; result: InspectorState };
  /** Inspect the active editor's selection now (also what glassbox.inspectSelection does). */
  'inspect/refresh': { params: undefined; result: undefined };
  /** Keep the current text while the selection moves (false: follow the selection again). */
  'inspect/pin': { params: { pinned: boolean }; result: undefined };
  /** Select these offsets of the inspected text in its editor (a token was clicked). */
  'inspect/reveal': { params: { start: number; end: number }; result: undefined };
  /** Editor highlights on or off (also glassbox.toggleHighlights). */
  'inspect/highlights': { params: { on: boolean }; result: undefined };
  /** Data of the current result, fetched on demand (handle from InspectorState.result.handle): the engine's methods. */
  'inspect/attention': EngineMethods['inspect/attention'];
  'inspect/thumbnails': EngineMethods['inspect/thumbnails'];
  'inspect/lens': EngineMethods['inspect/lens'];
  'inspect/neighbours': EngineMethods['inspect/neighbours'];
  /**
   * Generation step-through: from a typed prompt (as chat with the model's template when `chat`), or from the
   * inspected text when `fromSelection`.
   */
  'step/start': {
    params: { prompt: string; chat: boolean; fromSelection: boolean };
    result: StepStart;
  };
  /** Opens a chat answer in the step-through to replay how it was produced. */
  'step/replay': { params: { conversationId: string; messageId: string }; result: StepReplay };
  'step/append': { params: { handle: string; id: number }; result: EngineMethods['step/append']['result'] };
  /** Samples the current position again from cached logits (the model does not run). */
  'step/sample': {
    params: { handle: string; temperature: number; topK: number; topP: number; seed: number };
    result: StepSampleResult;
  };
}

/** Host -> webview notifications. */
export interface PanelNotifications {
  'model/status': ModelStatus;
  /** The list of stored conversations changed. */
  'history/changed': { conversations: ConversationSummary[] };
  /** A conversation changed shape (message added or removed, answer started): show it in full. */
  'chat/updated': { conversation: Conversation };
  /** More text of a streaming answer. */
  'chat/delta': { conversationId: string; messageId: string; text: string };
  /** The answer ended (done, stopped or failed). */
  'chat/finished': { conversationId: string; message: ChatMessage };
  /** Put this selection into the chat input as an attachment (glassbox.askAboutSelection). */
  'chat/attach': { attachment: Attachment };
  'panel/showTab': { tab: PanelTab };
  /** Open this stored answer in the Inspector's step-through (Replay in Inspector from VS Code's Chat view). */
  'step/openReplay': { conversationId: string; messageId: string };
  'inspect/state': InspectorState;
}

export type PanelMethod = keyof PanelRequests;
export type PanelParams<M extends PanelMethod> = PanelRequests[M]['params'];
export type PanelResult<M extends PanelMethod> = PanelRequests[M]['result'];
export type PanelNotification = keyof PanelNotifications;
