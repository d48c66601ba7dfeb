// The curated models offered for download, and which ONNX variant suits this machine's provider and memory.
import type { Variant } from './variant-files';

export interface CatalogModel {
  repo: string;
  label: string;
  /** Parameters, in billions. */
  billions: number;
  contextTokens: number;
  licence: string;
  /** Needs a Hugging Face account that accepted the licence (a token). */
  gated?: boolean;
  summary: string;
}

/** ONNX chat and code models in Transformers.js's layout, small enough to run on a laptop. */
export const CATALOG: readonly CatalogModel[] = [
  {
    repo: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
    label: 'Qwen2.5 Coder 0.5B Instruct',
    billions: 0.49,
    contextTokens: 32768,
    licence: 'Apache-2.0',
    summary: 'small code model: fast on any CPU',
  },
  {
    repo: 'onnx-community/Qwen2.5-Coder-1.5B-Instruct',
    label: 'Qwen2.5 Coder 1.5B Instruct',
    billions: 1.54,
    contextTokens: 32768,
    licence: 'Apache-2.0',
    summary: 'code model: better answers, needs a few GB',
  },
  {
    repo: 'onnx-community/Qwen3-0.6B-ONNX',
    label: 'Qwen3 0.6B',
    billions: 0.6,
    contextTokens: 40960,
    licence: 'Apache-2.0',
    summary: 'general chat with thinking mode',
  },
  {
    repo: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    label: 'SmolLM2 360M Instruct',
    billions: 0.36,
    contextTokens: 8192,
    licence: 'Apache-2.0',
    summary: 'tiny general chat model',
  },
  {
    repo: 'HuggingFaceTB/SmolLM2-1.7B-Instruct',
    label: 'SmolLM2 1.7B Instruct',
    billions: 1.7,
    contextTokens: 8192,
    licence: 'Apache-2.0',
    summary: 'general chat model',
  },
  {
    repo: 'onnx-community/Llama-3.2-1B-Instruct',
    label: 'Llama 3.2 1B Instruct',
    billions: 1.24,
    contextTokens: 131072,
    licence: 'Llama 3.2 Community License',
    summary: 'general chat, long context',
  },
  {
    repo: 'microsoft/Phi-3.5-mini-instruct-onnx-web',
    label: 'Phi-3.5 mini Instruct (web)',
    billions: 3.8,
    contextTokens: 131072,
    licence: 'MIT',
    summary: 'strong reasoning for its size; ONNX Runtime builder layout, q4f16 for WebGPU',
  },
  {
    repo: 'onnx-community/gemma-3-1b-it-ONNX',
    label: 'Gemma 3 1B it',
    billions: 1.0,
    contextTokens: 32768,
    licence: 'Gemma Terms of Use',
    gated: true,
    summary: 'general chat; accept the licence on the Hub first',
  },
];

/** Preferred variants per execution provider, best first (q4f16 on WebGPU, fp16 on CUDA, q8/q4 on CPU). */
const PREFERENCE: Record<string, string[]> = {
  webgpu: ['q4f16', 'fp16', 'q4', 'fp32'],
  cuda: ['fp16', 'q4f16', 'fp32', 'q4'],
  dml: ['fp16', 'q4f16', 'fp32', 'q4'],
  coreml: ['fp16', 'q4f16', 'fp32', 'q4'],
  cpu: ['q8', 'q4', 'int8', 'uint8', 'fp32', 'q4f16', 'fp16'],
};

/**
 * The variant to offer first: the provider's preferred precision among those whose files fit in `freeMemory` with a
 * third to spare (activations, KV cache); on CPU, q4 before q8 for models over a billion parameters. Undefined when
 * the repository has no variant at all.
 */
export function recommendVariant(
  variants: readonly Variant[],
  provider: string,
  freeMemory: number,
  billions = 0,
): { variant: Variant; why: string } | undefined {
  let order = PREFERENCE[provider] ?? (PREFERENCE.cpu as string[]);
  if (provider === 'cpu' && billions > 1)
    order = ['q4', 'q8', ...order.filter((d) => d !== 'q4' && d !== 'q8')];
  const ranked = order
    .map((d) => variants.find((v) => v.dtype === d))
    .filter((v): v is Variant => v !== undefined);
  const fits = ranked.find((v) => v.bytes * 1.33 <= freeMemory);
  if (fits) return { variant: fits, why: `${fits.dtype} suits ${provider} and fits in free memory` };
  const smallest = [...variants].sort((a, b) => a.bytes - b.bytes)[0];
  return smallest ? { variant: smallest, why: 'the smallest variant: none fits in free memory' } : undefined;
}
