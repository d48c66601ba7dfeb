// Cutting a caller's messages to a small model's context: system first, then the oldest turns, then the start.
import type { ChatMessageParam } from '../../protocol/engine-methods';

/**
 * The messages cut to `budget` prompt tokens, as a caller's long prompt (an agent's instructions and tool list) must
 * be for a small model: system messages go first, then the oldest turns, and last the start of the final message;
 * the final message's end always stays. `count` is the engine's count with the chat template applied.
 */
export async function fitContext(
  messages: ChatMessageParam[],
  budget: number,
  count: (messages: ChatMessageParam[]) => Promise<number>,
): Promise<ChatMessageParam[]> {
  let kept = [...messages];
  let tokens = await count(kept);
  while (tokens > budget && kept.length > 1) {
    const system = kept.findIndex((m) => m.role === 'system');
    kept.splice(system >= 0 ? system : 0, 1);
    tokens = await count(kept);
  }
  for (let tries = 0; tokens > budget && tries < 8; tries++) {
    const last = kept[kept.length - 1] as ChatMessageParam;
    const keep = Math.floor(((last.content.length * Math.max(0, budget)) / tokens) * 0.9);
    kept = [...kept.slice(0, -1), { ...last, content: last.content.slice(last.content.length - keep) }];
    tokens = await count(kept);
  }
  return kept;
}
