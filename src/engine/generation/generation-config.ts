// Sampling defaults from a folder's generation_config.json, as Hugging Face generate() takes them.
import type { GenerationDefaults } from '../../protocol/engine-methods';

/** do_sample false (or absent) means greedy; temperature/top_k/top_p/repetition_penalty carry over when set. */
export function samplingDefaults(generationConfig: Record<string, unknown>): GenerationDefaults {
  const num = (k: string) =>
    typeof generationConfig[k] === 'number' ? (generationConfig[k] as number) : undefined;
  const out: GenerationDefaults = {};
  if (generationConfig.do_sample !== true) out.greedy = true;
  const t = num('temperature');
  const k = num('top_k');
  const p = num('top_p');
  const r = num('repetition_penalty');
  const m = num('max_new_tokens');
  if (t !== undefined) out.temperature = t;
  if (k !== undefined) out.topK = k;
  if (p !== undefined) out.topP = p;
  if (r !== undefined) out.repetitionPenalty = r;
  if (m !== undefined) out.maxNewTokens = m;
  return out;
}
