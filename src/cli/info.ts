// `glassbox info`: the model's summary, context length, and the execution providers available and chosen.
import { basename, relative } from 'node:path';
import { describeProvider } from '../engine/model/session';
import type { Args } from './args';
import { printJson, withModel, type CliCommand, type CliIO } from './command';

async function run(args: Args, io: CliIO): Promise<number> {
  return withModel(args, async ({ info }) => {
    if (args.flag('json')) {
      printJson(io, {
        model: info,
        contextLength: info.contextLength,
        executionProviders: {
          available: info.executionProvider.available,
          chosen: info.executionProvider.used,
          requested: info.executionProvider.requested,
          fallbacks: info.executionProvider.fallbacks,
          ...(info.executionProvider.adapter ? { adapter: info.executionProvider.adapter } : {}),
        },
      });
      return 0;
    }
    const lines = [
      `model        ${info.name} (${info.modelType}) at ${info.dir}`,
      `file         ${relative(info.dir, info.onnxPath)}: dtype ${info.dtype} (${info.dtypeReason})` +
        (info.externalData.length
          ? `, weights in ${info.externalData.map((f) => basename(f)).join(', ')}`
          : ''),
      `dimensions   ${info.layers} layers, ${info.heads} heads (${info.kvHeads} key/value), head_dim ${info.headDim}, hidden ${info.hidden}, vocabulary ${info.vocab}`,
      `context      ${info.contextLength} tokens`,
      `special ids  bos ${info.bosId ?? 'none'}, eos ${info.eosIds.join(', ') || 'none'}; chat template: ${info.hasChatTemplate ? 'yes' : 'no'}`,
      `provider     ${describeProvider(info.executionProvider)}`,
      ...info.executionProvider.available.map(
        (p) => `  ${p.name.padEnd(7)} ${p.available ? 'available' : `unavailable: ${p.reason ?? ''}`}`,
      ),
      ...(info.quantizedCompute
        ? [
            `matmuls      ${info.quantizedCompute.nodes} quantized (MatMulNBits), ` +
              (info.quantizedCompute.mode === 'int8'
                ? 'int8 activations (accuracy_level 4; --exact-matmul for the model’s own)'
                : 'the model’s own accuracy'),
          ]
        : []),
    ];
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  });
}

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'model summary, context length, available and chosen execution providers',
  options: [],
  run,
};
