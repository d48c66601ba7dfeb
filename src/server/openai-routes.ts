// The OpenAI API: GET /v1/models, POST /v1/chat/completions and /v1/completions, streamed (SSE) or whole.
import type { InspectResult, TokenLogprob } from '../protocol/engine-methods';
import { sendJson } from './http-errors';
import { chatRequest, completionRequest, generateParams } from './openai-params';
import {
  chatLogprobs,
  completionId,
  concatLegacy,
  emptyLegacy,
  finishReason,
  legacyFromGenerated,
  legacyFromInspection,
  modelList,
  usage,
  type LegacyLogprobs,
} from './openai-shapes';
import { promptRoom, runGeneration } from './generation-run';
import type { Route, RouteContext } from './route';
import { SseWriter } from './sse';

const now = () => Math.floor(Date.now() / 1000);
const started = now();

async function chatCompletions(ctx: RouteContext): Promise<void> {
  const r = chatRequest(ctx.body, ctx.model);
  const prompt = { messages: r.messages };
  const { room } = await promptRoom(ctx, prompt, r.maxTokens);
  const params = generateParams(r, prompt, room, r.topLogprobs);
  const top = r.topLogprobs ?? 0;
  const logprobs = (l: TokenLogprob[]) => (r.topLogprobs === undefined ? null : chatLogprobs(l, top));
  const head = { id: completionId('chatcmpl'), created: now(), model: ctx.model.name };

  if (!r.stream) {
    const all: TokenLogprob[] = [];
    const s = await runGeneration(ctx, params, (_text, l) => all.push(...l));
    if (s.stopReason === 'cancelled') return;
    const choice = {
      index: 0,
      message: { role: 'assistant', content: s.text },
      logprobs: logprobs(all),
      finish_reason: finishReason(s.stopReason),
    };
    const body = {
      ...head,
      object: 'chat.completion',
      choices: [choice],
      usage: usage(s.promptTokens.length, s.tokens.length),
    };
    return sendJson(ctx.res, 200, JSON.stringify(body));
  }

  const sse = new SseWriter(ctx.res);
  const chunk = (choices: unknown[], extra: object = {}) =>
    sse.send(JSON.stringify({ ...head, object: 'chat.completion.chunk', choices, ...extra }));
  const delta = (d: object, l: unknown, finish: string | null) => ({
    index: 0,
    delta: d,
    logprobs: l,
    finish_reason: finish,
  });
  const roleOnce = () => {
    if (!sse.started) chunk([delta({ role: 'assistant', content: '' }, null, null)]);
  };
  const s = await runGeneration(ctx, params, (text, l) => {
    roleOnce();
    chunk([delta({ content: text }, logprobs(l), null)]);
  });
  if (s.stopReason === 'cancelled') return sse.end();
  roleOnce();
  chunk([delta({}, null, finishReason(s.stopReason))]);
  if (r.includeUsage) chunk([], { usage: usage(s.promptTokens.length, s.tokens.length) });
  sse.send('[DONE]');
  sse.end();
}

/** The prompt's own log-probs from one inspect/run pass (then released), for echo with logprobs. */
async function promptLogprobs(ctx: RouteContext, text: string, n: number): Promise<LegacyLogprobs> {
  const result: InspectResult = await ctx.engine.request(
    'inspect/run',
    { text, topK: Math.max(1, n) },
    { signal: ctx.signal },
  );
  try {
    return legacyFromInspection(result, n);
  } finally {
    await ctx.engine.request('inspect/release', { handle: result.handle }).catch(() => undefined);
  }
}

async function completions(ctx: RouteContext): Promise<void> {
  const r = completionRequest(ctx.body, ctx.model);
  const { promptTokens, room } = await promptRoom(ctx, { prompt: r.prompt }, r.maxTokens);
  const wantLogprobs = r.logprobs !== undefined;
  const echoed =
    r.echo && wantLogprobs ? await promptLogprobs(ctx, r.prompt, r.logprobs ?? 0) : emptyLegacy();
  const head = { id: completionId('cmpl'), created: now(), model: ctx.model.name };
  const sse = r.stream ? new SseWriter(ctx.res) : undefined;
  const send = (text: string, l: LegacyLogprobs | null, finish: string | null) =>
    sse?.send(
      JSON.stringify({
        ...head,
        object: 'text_completion',
        choices: [{ index: 0, text, logprobs: l, finish_reason: finish }],
      }),
    );
  if (r.echo) send(r.prompt, wantLogprobs ? echoed : null, null);

  // text offsets of generated tokens count from the end of what is returned before them
  let offset = r.echo ? r.prompt.length : 0;
  let generated = emptyLegacy();
  let text = '';
  let completionTokens = 0;
  let finish: 'stop' | 'length' = 'length';
  if (r.maxTokens > 0) {
    const params = generateParams(r, { prompt: r.prompt }, room, r.logprobs);
    const s = await runGeneration(ctx, params, (piece, l) => {
      const part = legacyFromGenerated(
        l,
        l.map(() => offset),
        r.logprobs ?? 0,
      );
      offset += piece.length;
      generated = concatLegacy(generated, part);
      send(piece, wantLogprobs ? part : null, null);
    });
    if (s.stopReason === 'cancelled') return sse?.end();
    text = s.text;
    completionTokens = s.tokens.length;
    finish = finishReason(s.stopReason);
  }
  const total = usage(promptTokens, completionTokens);
  if (sse) {
    send('', null, finish);
    if (r.includeUsage)
      sse.send(JSON.stringify({ ...head, object: 'text_completion', choices: [], usage: total }));
    sse.send('[DONE]');
    return sse.end();
  }
  const choice = {
    index: 0,
    text: (r.echo ? r.prompt : '') + text,
    logprobs: wantLogprobs ? concatLegacy(echoed, generated) : null,
    finish_reason: finish,
  };
  sendJson(
    ctx.res,
    200,
    JSON.stringify({ ...head, object: 'text_completion', choices: [choice], usage: total }),
  );
}

export const openAIRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/models',
    usesModel: false,
    handle: async (ctx) => sendJson(ctx.res, 200, JSON.stringify(modelList(ctx.model, started))),
  },
  { method: 'POST', path: '/v1/chat/completions', usesModel: true, handle: chatCompletions },
  { method: 'POST', path: '/v1/completions', usesModel: true, handle: completions },
];
