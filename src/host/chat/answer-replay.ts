// Replaying a chat answer in the step-through: its prompt's pass, the tokens it took, and where a replay can differ.
import type { ChatMessageParam } from '../../protocol/engine-methods';
import type { ChatMessage, StepReplay, StepStart } from '../../protocol/panel-methods';

/** What a replay needs from the engine (the host adapts its EngineClient; tests pass the engine itself). */
export interface ReplayEngine {
  tokenize(text: string): Promise<number[]>;
  start(messages: ChatMessageParam[]): Promise<StepStart>;
}

/**
 * Starts a step-through on the messages `answer` was generated from, with the answer's own token ids to append.
 * When those ids cannot be used (an older answer without them, or one from another model) the answer's text is
 * tokenized again and a note says so; a note also says when the prompt no longer has the length it had.
 */
export async function replayAnswer(
  answer: ChatMessage,
  messages: ChatMessageParam[],
  modelName: string,
  engine: ReplayEngine,
): Promise<StepReplay> {
  const stats = answer.stats;
  const notes: string[] = [];
  let ids = stats?.tokenIds;
  if (stats && stats.model !== modelName) {
    notes.push(
      `This answer came from ${stats.model}; it is replayed with ${modelName}, so the probabilities are ` +
        `${modelName}’s and its text was tokenized again.`,
    );
    ids = undefined;
  } else if (!ids) {
    notes.push(
      'This answer did not keep its token ids (it is older than replays, or a server wrote it), so its text was ' +
        'tokenized again; ' +
        'the model may have produced it in other pieces.',
    );
  }
  const answerIds = ids ?? (await engine.tokenize(answer.content));
  const started = await engine.start(messages);
  if (stats && stats.model === modelName && started.prompt.length !== stats.promptTokens) {
    notes.push(
      `The prompt is ${started.prompt.length} tokens now but was ${stats.promptTokens} when the answer was ` +
        'written (the system prompt setting changed since), so the numbers can differ from the original run.',
    );
  }
  return {
    ...started,
    answer: answerIds,
    sampling: stats?.sampling ?? null,
    stopReason: stats?.stopReason ?? null,
    notes,
  };
}
