// The host -> engine method map: method name -> params, result and (streamed methods) chunk; the wire types of both sides.

/** Where a model may run; `auto` picks the best available. One list: settings, CLI and engine checks read it. */
export const EXECUTION_PROVIDER_CHOICES = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'] as const;
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDER_CHOICES)[number];
export type ExecutionProviderName = Exclude<ExecutionProviderChoice, 'auto'>;

export interface ProviderAvailability {
  name: ExecutionProviderName;
  /** False when the provider cannot work here; `reason` says why. */
  available: boolean;
  reason?: string;
}

/** Which provider a session runs on, and why the ones tried before it were not used. */
export interface ProviderReport {
  requested: ExecutionProviderChoice;
  /** The provider the model actually runs on. */
  used: ExecutionProviderName;
  /** Providers tried before `used`, and why each was not used. */
  fallbacks: { provider: ExecutionProviderName; reason: string }[];
  /** WebGPU's device, where it could be named (Linux, from the Vulkan loader). */
  adapter?: { name: string; driver: string; software: boolean };
  /** True when the KV cache stays in device memory between steps (WebGPU). */
  deviceOutputs?: boolean;
}

export interface ProviderInfo extends ProviderReport {
  /** Everything this installation could offer here (decided without loading a model). */
  available: ProviderAvailability[];
}

/** A model's dimensions, read from config.json (Llama/Qwen/Gemma/Phi-like and GPT-2-like key names). */
export interface ModelDims {
  modelType: string;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
  vocab: number;
  contextLength: number;
}

export interface ModelInfo extends ModelDims {
  name: string;
  dir: string;
  dtype: string;
  /** Why this ONNX file was taken (asked for, config.json's transformers.js_config, the default, ...). */
  dtypeReason: string;
  onnxPath: string;
  /** External weight files beside the ONNX file. */
  externalData: string[];
  bosId: number | null;
  eosIds: number[];
  hasChatTemplate: boolean;
  /** The model's own generation defaults (generation_config.json, as Hugging Face generate() reads it). */
  generation: GenerationDefaults;
  executionProvider: ProviderInfo;
  /**
   * How the quantized MatMuls (MatMulNBits) compute, when the graph has any: 'int8' (activations rounded to int8 per
   * block, glassbox.cpuFastMath on the CPU) or 'model' (the file's own accuracy level).
   */
  quantizedCompute?: { mode: 'int8' | 'model'; nodes: number };
  loadMs: number;
  /** Set when the model runs on a server (a remote backend): which server, and what its API lets the inspector show. */
  remote?: RemoteModel;
}

/** The kinds of server a remote backend recognises (`openai`: any other OpenAI-compatible server). */
export type ServerKind = 'glassbox' | 'vllm' | 'llama.cpp' | 'ollama' | 'lmstudio' | 'openai';

/** The views the Inspector and the step-through can have. */
export type InspectorView = 'tokens' | 'prediction' | 'attention' | 'lens' | 'embeddings' | 'step';

export interface RemoteModel {
  kind: ServerKind;
  /** The server's base URL as configured, without `/v1` (no credentials in it). */
  baseUrl: string;
  /** Every model the server lists (`GET /v1/models`). */
  models: string[];
  /** Per view: available, or why this server cannot provide it. */
  views: Record<InspectorView, Availability>;
}

export interface LoadParams {
  dir: string;
  dtype?: string;
  ep?: ExecutionProviderChoice;
  /** CPU intra-op threads (default: ORT's, one per core). */
  threads?: number;
  /**
   * On the CPU, quantized MatMuls (MatMulNBits: q4, the builder's int4/int8) compute with int8 activations, ONNX
   * Runtime's accuracy_level 4 (default true: faster, within the tolerance the tests state); false keeps the model's own.
   */
  cpuFastMath?: boolean;
}

/** Next-token choice with Hugging Face semantics (generate and the step-through's sampling). */
export interface SamplingParams {
  /** Argmax instead of sampling (also when temperature is 0). */
  greedy?: boolean;
  temperature?: number;
  /** Keep the k most likely tokens (ties with the k-th kept, as HF does); 0 or undefined: off. */
  topK?: number;
  /** Keep the smallest most-likely set whose probability reaches p (HF TopPLogitsWarper); 1 or undefined: off. */
  topP?: number;
  /** HF RepetitionPenaltyLogitsProcessor over every id seen so far (prompt included); 1 or undefined: off. */
  repetitionPenalty?: number;
  /** Seed of the PRNG; the same seed, model and options give the same tokens. */
  seed?: number;
}

/** Sampling and answer length as a model's generation_config.json sets them. */
export type GenerationDefaults = SamplingParams & { maxNewTokens?: number };

export interface ChatMessageParam {
  role: string;
  content: string;
}

/** Either a plain prompt (encoded with the tokenizer's default special tokens) or chat messages (rendered with the template). */
export type PromptParams =
  { prompt: string; messages?: undefined } | { messages: ChatMessageParam[]; prompt?: undefined };

export type GenerateParams = PromptParams &
  SamplingParams & {
    maxNewTokens?: number;
    stopStrings?: string[];
    /**
     * Set (0-20): every text chunk also carries a TokenLogprob per generated token, with this many alternatives. Off
     * (undefined) costs nothing.
     */
    logprobs?: number;
  };

/**
 * A generated token's natural-log probability under the model's raw distribution (log-softmax of its logits, before
 * temperature, top-k, top-p or repetition penalty, as vLLM reports by default), and the most likely tokens there.
 */
export interface TokenLogprob extends StepToken {
  logprob: number;
  /** The `logprobs` most likely tokens, best first (ties: lower id first). */
  top: (StepToken & { logprob: number })[];
}

export type StopReason = 'eos' | 'stop-string' | 'max-tokens' | 'context-length' | 'cancelled';

export interface GenerateSummary {
  text: string;
  /** Generated ids only. */
  tokens: number[];
  promptTokens: number[];
  stopReason: StopReason;
  /** The execution provider (`cuda`), or for a server what it is and where (`vLLM at gpu-box:8000`). */
  executionProvider: string;
  /** Token counts where the ids are not known (a server's `usage`); otherwise the lengths of the id arrays. */
  tokenCount?: number;
  promptTokenCount?: number;
  timings: { prefillMs: number; firstTokenMs: number; decodeTokensPerSecond: number; totalMs: number };
}

/**
 * Stream items of model/generate: first the prompt's length (before the model runs, so a caller can refuse a full
 * context without a second round trip), then text as it becomes showable (whole characters only), then one summary.
 */
export type GenerateChunk =
  | { kind: 'prompt'; tokens: number; contextLength: number }
  | { kind: 'text'; text: string; tokens: number[]; logprobs?: TokenLogprob[] }
  | { kind: 'summary'; summary: GenerateSummary };

export type TokenizeParams =
  | { text: string; addSpecialTokens?: boolean; pieces?: boolean; messages?: undefined }
  | { messages: ChatMessageParam[]; pieces?: boolean; text?: undefined; addSpecialTokens?: undefined };

export interface ScoreParams {
  text: string;
  window?: number;
  stride?: number;
}

/** Stream items of model/score: how many tokens are scored so far, then one summary. */
export type ScoreChunk =
  { kind: 'progress'; scored: number; total: number } | { kind: 'summary'; summary: ScoreSummary };

export interface ScoreSummary {
  bytes: number;
  tokens: number;
  bits: number;
  bitsPerByte: number;
  ids: Int32Array;
  /** Natural-log probability of every token given its window (NaN for the first). */
  logprobs: Float64Array;
}

export interface InspectParams {
  text: string;
  /** Alternatives listed per position (default 10). */
  topK?: number;
}

export interface InspectToken {
  id: number;
  /** The tokenizer's text for the token (a byte that is only part of a character shows as `<0xNN>`). */
  text: string;
  bytes: Uint8Array;
  /** UTF-16 offsets into the inspected text. */
  start: number;
  end: number;
}

export interface InspectAlternative {
  id: number;
  text: string;
  prob: number;
}

export interface InspectPosition {
  /** ln p(actual token | what precedes it), in nats. */
  logprob: number;
  /** 1 + how many tokens the model scored strictly higher. */
  rank: number;
  /** Entropy of the whole next-token distribution, in nats. */
  entropy: number;
  top: InspectAlternative[];
}

export type Availability = { available: true } | { available: false; reason: string };

export interface InspectResult {
  /** Names the engine-held results; pass it to the other inspect/* methods. */
  handle: string;
  tokens: InspectToken[];
  /** positions[i] scores tokens[i]; null for a first token that no BOS precedes. */
  positions: (InspectPosition | null)[];
  /** The BOS the pass started with (row/column 0 of every attention matrix), if the model has one. */
  bos: { id: number; text: string } | null;
  layers: number;
  heads: number;
  /**
   * Set when only the first tokens were inspected: the text had more than the model's context holds ('context'), or
   * than the inspector's memory budget allows (its attention grows with the square of the tokens: 'memory').
   */
  truncated: { totalTokens: number; inspectedChars: number; limit: 'context' | 'memory' } | null;
  /**
   * Absent or available: positions hold the model's numbers. Unavailable (a server that gives no log-probs for a
   * given text): every position is null and the reason says why.
   */
  predictions?: Availability;
  attention: Availability;
  lens: Availability;
  /** The input embedding table, for nearest neighbours. */
  embeddings: Availability;
  timings: { tokenizeMs: number; forwardMs: number; statsMs: number };
}

/** A square matrix (or size x size blocks per layer and head for thumbnails), row-major. */
export interface AttentionMatrix {
  size: number;
  data: Float32Array;
}

export interface LensLayerResult {
  /** 0 is the embedding output, the last is the final layer. */
  layer: number;
  top: InspectAlternative[];
  /** Rank and probability of the actual token at this layer. */
  rank: number;
  prob: number;
}

export interface NeighbourResult {
  id: number;
  text: string;
  cosine: number;
}

export interface StepToken {
  id: number;
  /** The tokenizer's text for the token (a byte that is only part of a character shows as `<0xNN>`). */
  text: string;
  bytes: Uint8Array;
}

export interface StepAppendResult {
  /** The appended token with the model's own probability and rank for it at that step, before it was appended. */
  appended: StepToken & { prob: number; rank: number };
  next: NextDistribution;
}

export interface NextDistribution {
  /** The most likely next tokens under the model's own distribution (softmax of the logits). */
  top: (StepToken & { logit: number; prob: number })[];
  /** Entropy of that distribution, in nats. */
  entropy: number;
  /** Probability of the stop (EOS) tokens together. */
  stopProb: number;
  /** Positions used (prompt and appended tokens) of contextLength. */
  used: number;
  contextLength: number;
}

export interface StepSampleResult {
  chosen: StepToken & { isStop: boolean };
  /** The processed distribution's most likely tokens: prob after temperature/top-k/top-p, modelProb before. */
  top: (StepToken & { prob: number; modelProb: number })[];
  /** Tokens with a non-zero probability after top-k and top-p. */
  kept: number;
}

export interface EngineMethods {
  'engine/ping': { params: undefined; result: { pong: true } };
  /** Loads (or replaces) the model; every folder problem is an error whose code is a ModelFolderError code. */
  'model/load': { params: LoadParams; result: ModelInfo };
  /** The loaded model, or null. */
  'model/info': { params: undefined; result: ModelInfo | null };
  /** Streamed: GenerateChunk items, then done. Cancel with the engine/cancel notification. */
  'model/generate': { params: GenerateParams; result: undefined; chunk: GenerateChunk };
  /** Streams progress as windows are scored, then the summary. */
  'model/score': { params: ScoreParams; result: undefined; chunk: ScoreChunk };
  /** Prompt tokens model/generate would start from for the same prompt or messages (chat template applied). */
  'model/countTokens': { params: PromptParams; result: { tokens: number; contextLength: number } };
  /**
   * The ids the tokenizer gives a text (without special tokens unless `addSpecialTokens`), or chat messages as the
   * template renders them (as model/generate would start); `pieces` adds each token's text and bytes. The model does
   * not run.
   */
  'model/tokenize': { params: TokenizeParams; result: { ids: number[]; pieces?: StepToken[] } };
  /** The text of token ids as the tokenizer's decoder gives it (special tokens kept unless `skipSpecialTokens`). */
  'model/detokenize': { params: { ids: number[]; skipSpecialTokens?: boolean }; result: { text: string } };
  /** One full forward pass over a text; per-token numbers now, the rest held in the engine under `handle`. */
  'inspect/run': { params: InspectParams; result: InspectResult };
  /** One head's [n, n] attention (n = tokens + BOS), or the mean over heads. */
  'inspect/attention': {
    params: { handle: string; layer: number; head: number | 'mean' };
    result: AttentionMatrix;
  };
  /** Every layer's and head's attention averaged to size x size blocks: data is [layers, heads, size, size]. */
  'inspect/thumbnails': { params: { handle: string; size: number }; result: AttentionMatrix };
  /** Each layer's prediction for tokens[position] through the final norm and LM head. */
  'inspect/lens': { params: { handle: string; position: number; topK?: number }; result: LensLayerResult[] };
  /** Tokens nearest to `id` in the input embedding matrix (cosine), itself first. */
  'inspect/neighbours': { params: { id: number; topK?: number }; result: NeighbourResult[] };
  /** Generation step by step: the prompt's pass, then the distribution of the next token (state kept under handle). */
  'step/start': {
    params: PromptParams & { topK?: number };
    result: { handle: string; prompt: StepToken[]; next: NextDistribution };
  };
  /** Appends a token (one cached model step) and gives the next distribution. */
  'step/append': {
    params: { handle: string; id: number; topK?: number };
    result: StepAppendResult;
  };
  /** Samples the current position again from its cached logits with these settings; the model does not run. */
  'step/sample': {
    params: {
      handle: string;
      temperature: number;
      topK?: number;
      topP?: number;
      seed: number;
      show?: number;
    };
    result: StepSampleResult;
  };
  'step/release': { params: { handle: string }; result: undefined };
  /** Frees what the engine holds for an inspection. */
  'inspect/release': { params: { handle: string }; result: undefined };
}

/** Host -> engine notifications (no reply). */
export interface EngineNotifications {
  /** Stops the request with this id before its next model step. */
  'engine/cancel': { id: number | string };
}

export type EngineMethod = keyof EngineMethods;
export type EngineParams<M extends EngineMethod> = EngineMethods[M]['params'];
export type EngineResult<M extends EngineMethod> = EngineMethods[M]['result'];
export type EngineChunk<M extends EngineMethod> = EngineMethods[M] extends { chunk: infer C } ? C : never;
/** Methods that answer with stream chunks and done instead of one reply. */
export type StreamingMethod = {
  [M in EngineMethod]: EngineMethods[M] extends { chunk: unknown } ? M : never;
}[EngineMethod];
