// Which Inspector views each kind of server can give, and why not where it cannot.
import type { Availability, InspectorView, ServerKind } from '../protocol/engine-methods';

export const INSPECTOR_VIEWS: readonly InspectorView[] = [
  'tokens',
  'prediction',
  'attention',
  'lens',
  'embeddings',
  'step',
];

export function allViewsAvailable(): Record<InspectorView, Availability> {
  return Object.fromEntries(INSPECTOR_VIEWS.map((v) => [v, { available: true }])) as Record<
    InspectorView,
    Availability
  >;
}

/** How each kind is named in messages. */
/** Each kind's name as a label (status bar, answer stats): `vLLM at gpu-box:8000`. */
export const SERVER_LABELS: Record<ServerKind, string> = {
  glassbox: 'Glassbox server',
  vllm: 'vLLM',
  'llama.cpp': 'llama.cpp server',
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  openai: 'OpenAI-compatible server',
};

export const SERVER_NAMES: Record<ServerKind, string> = {
  glassbox: 'the Glassbox server',
  vllm: 'vLLM',
  'llama.cpp': "llama.cpp's server",
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  openai: 'this OpenAI-compatible server',
};

const no = (reason: string): Availability => ({ available: false, reason });

/** The views of an OpenAI-compatible server of this kind (`glassbox`: all). */
export function serverViews(kind: ServerKind): Record<InspectorView, Availability> {
  if (kind === 'glassbox') return allViewsAvailable();
  const name = SERVER_NAMES[kind];
  const inside = `${name} runs the model without showing its insides through its API`;
  const views: Record<InspectorView, Availability> = {
    tokens: { available: true },
    prediction: { available: true },
    attention: no(`${inside}: no attention weights`),
    lens: no(`${inside}: no hidden states for the logit lens`),
    embeddings: no(`${inside}: no embedding table for nearest neighbours`),
    step: no(
      `${name} has no step-by-step generation (it cannot append one chosen token and show the next distribution)`,
    ),
  };
  if (kind === 'llama.cpp') {
    views.prediction = no(
      "llama.cpp's server returns probabilities only for tokens it generates, not for a given text",
    );
  }
  if (kind === 'ollama' || kind === 'lmstudio') {
    views.tokens = no(`${name}'s API has no tokenizer endpoint, so a text's tokens cannot be shown`);
    views.prediction = no(`${name}'s API gives no probabilities for the tokens of a given text`);
  }
  return views;
}
