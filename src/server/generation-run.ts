// One model/generate call for the OpenAI routes: the prompt's room in the context first, then text pieces and the summary.
import type {
  ChatMessageParam,
  GenerateParams,
  GenerateSummary,
  TokenLogprob,
} from '../protocol/engine-methods';
import { HttpError } from './http-errors';
import type { RouteContext } from './route';

/**
 * How many tokens the prompt takes and how many the context leaves; refuses (400, as vLLM words it) a prompt that
 * leaves no room, or a max_tokens that does not fit after it.
 */
export async function promptRoom(
  ctx: RouteContext,
  prompt: { prompt: string } | { messages: ChatMessageParam[] },
  maxTokens: number | undefined,
): Promise<{ promptTokens: number; room: number }> {
  const { tokens, contextLength } = await ctx.engine.request('model/countTokens', prompt, {
    signal: ctx.signal,
  });
  const room = contextLength - tokens;
  const asked = maxTokens ?? 1;
  if (tokens + asked > contextLength) {
    const where = 'messages' in prompt ? 'messages' : 'prompt';
    throw new HttpError(
      400,
      'context-length',
      `This model's maximum context length is ${contextLength} tokens. However, you requested ${tokens + asked} ` +
        `tokens (${tokens} in the ${where}, ${asked} in the completion). Please reduce the length of the ${where} or completion.`,
      where,
    );
  }
  return { promptTokens: tokens, room };
}

/**
 * Runs model/generate; `onPiece` gets text as it becomes showable and the log-probs of the tokens that came with it
 * (end-of-sequence tokens left out, as OpenAI does). Resolves with the summary (stopReason `cancelled` when the
 * client went away).
 */
export async function runGeneration(
  ctx: RouteContext,
  params: GenerateParams,
  onPiece: (text: string, logprobs: TokenLogprob[], tokens: number) => void,
): Promise<GenerateSummary> {
  const eos = new Set(ctx.model.eosIds);
  let summary: GenerateSummary | undefined;
  await ctx.engine.stream(
    'model/generate',
    params,
    (chunk) => {
      if (chunk.kind === 'summary') summary = chunk.summary;
      if (chunk.kind !== 'text') return;
      const logprobs = (chunk.logprobs ?? []).filter((l) => !eos.has(l.id));
      const tokens = chunk.tokens.filter((id) => !eos.has(id)).length;
      if (chunk.text !== '' || logprobs.length > 0) onPiece(chunk.text, logprobs, tokens);
    },
    { signal: ctx.signal },
  );
  if (!summary) throw new HttpError(500, 'bad-response', 'the engine ended model/generate without a summary');
  return summary;
}
