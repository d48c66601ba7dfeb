// llama.cpp beside the engine: node-llama-cpp (from the npm registry, into .tools/) decoding a GGUF of the same weights.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const VERSION = '3.22.1';
const dir = join(import.meta.dirname, '..', '.tools', 'llama-cpp');
const entry = join(dir, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');

/** The GGUF beside a model folder (real_size.py --gguf writes gguf/model-q4_0.gguf), if any. */
export function ggufOf(modelDir: string): string | undefined {
  const folder = join(modelDir, 'gguf');
  if (!existsSync(folder)) return undefined;
  const file = readdirSync(folder).find((f) => f.endsWith('.gguf'));
  return file ? join(folder, file) : undefined;
}

/**
 * node-llama-cpp and its prebuilt CPU binary for this platform, installed once into .tools/llama-cpp (a bench tool, not
 * a dependency: its optional CUDA and Vulkan packages are hundreds of MB). Nothing is downloaded from outside npm.
 */
function ensureNodeLlamaCpp(): void {
  if (existsSync(entry)) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "name": "glassbox-tools-llama-cpp", "private": true }\n');
  const platform = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'linux';
  console.log(`[bench] installing node-llama-cpp ${VERSION} into ${dir}`);
  const r = spawnSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--omit=optional',
      '--ignore-scripts',
      `node-llama-cpp@${VERSION}`,
      `@node-llama-cpp/${platform}-${process.arch}@${VERSION}`,
    ],
    { cwd: dir, stdio: 'inherit', env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' } },
  );
  if (r.status !== 0) throw new Error(`npm install node-llama-cpp exited with ${r.status}`);
}

export interface LlamaTimings {
  firstTokenMs: number;
  decodeTokensPerSecond: number;
  totalMs: number;
}

export interface LlamaSampling {
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
}

interface Sequence {
  evaluate(tokens: number[], options?: Record<string, unknown>): AsyncGenerator<number>;
  clearHistory(): Promise<void>;
}

/** A loaded GGUF with one context: `run` decodes `newTokens` after `promptIds`, greedy unless sampling is given. */
export async function llamaCpp(
  gguf: string,
  options: { threads?: number; contextSize: number },
): Promise<{
  run(promptIds: readonly number[], newTokens: number, sampling?: LlamaSampling): Promise<LlamaTimings>;
  dispose(): Promise<void>;
}> {
  ensureNodeLlamaCpp();
  const lib = (await import(pathToFileURL(entry).href)) as {
    getLlama(o: Record<string, unknown>): Promise<{
      loadModel(o: { modelPath: string }): Promise<{
        createContext(
          o: Record<string, unknown>,
        ): Promise<{ getSequence(): Sequence; dispose(): Promise<void> }>;
        dispose(): Promise<void>;
      }>;
      dispose(): Promise<void>;
    }>;
  };
  const llama = await lib.getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: gguf });
  const context = await model.createContext({
    contextSize: options.contextSize,
    batchSize: 512,
    // node-llama-cpp's default is twice the cores: on 2 cores that decoded 0.4 tokens/s instead of 35
    threads: options.threads ?? availableParallelism(),
  });
  const sequence = context.getSequence();
  return {
    async run(promptIds, newTokens, sampling) {
      await sequence.clearHistory();
      const t0 = performance.now();
      let first = 0;
      let count = 0;
      const settings = sampling
        ? {
            temperature: sampling.temperature ?? 1,
            ...(sampling.topK ? { topK: sampling.topK } : {}),
            ...(sampling.topP ? { topP: sampling.topP } : {}),
            ...(sampling.repetitionPenalty && sampling.repetitionPenalty !== 1
              ? { repeatPenalty: { penalty: sampling.repetitionPenalty } }
              : {}),
          }
        : { temperature: 0 };
      for await (const token of sequence.evaluate([...promptIds], { ...settings, yieldEogToken: true })) {
        void token;
        count++;
        if (count === 1) first = performance.now();
        if (count >= newTokens) break;
      }
      const end = performance.now();
      return {
        firstTokenMs: first - t0,
        decodeTokensPerSecond: count > 1 ? ((count - 1) * 1000) / (end - first) : 0,
        totalMs: end - t0,
      };
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
