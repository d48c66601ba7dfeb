// `glassbox install-cuda`: the CUDA provider files into onnxruntime-node's bin folder (NuGet, verified), then a check.
import { cudaRuntimeMissing } from '../cuda/cuda-runtime';
import { installCudaSupport } from '../cuda/install-cuda';
import { cudaProviderFiles, missingProviderFiles, NUGET_FEED, ortBinDir } from '../cuda/provider-files';
import { proxyFetch } from '../hub/proxy-fetch';
import type { Args } from './args';
import { printJson, type CliCommand, type CliIO } from './command';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

async function run(args: Args, io: CliIO): Promise<number> {
  const binDir = args.string('bin-dir') ?? ortBinDir();
  const pkg = cudaProviderFiles();
  let installed: string[] | undefined;
  if (pkg && missingProviderFiles(binDir, pkg).length === 0 && !args.flag('force')) {
    io.stderr(
      `glassbox install-cuda: the CUDA provider is already in ${binDir} (--force installs it again)\n`,
    );
  } else {
    const viaProxy = proxyFetch(); // HTTPS_PROXY / HTTP_PROXY / NO_PROXY
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    let last = 0;
    try {
      const result = await installCudaSupport({
        binDir,
        feedUrl: args.string('feed') ?? NUGET_FEED,
        ...(viaProxy ? { fetch: viaProxy } : {}),
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'extract') return io.stderr('verified (SHA-512); extracting the provider files\n');
          if (Date.now() - last < 500 && p.bytes < p.total) return;
          last = Date.now();
          const pct = p.total ? `${((100 * p.bytes) / p.total).toFixed(1)}% ` : '';
          io.stderr(`${pct}${mib(p.bytes)}${p.total ? ` of ${mib(p.total)}` : ''}: ${p.phase}\n`);
        },
      });
      installed = result.files;
      io.stderr(`installed ${result.package.id} ${result.package.version}'s CUDA provider into ${binDir}\n`);
    } finally {
      process.off('SIGINT', stop);
    }
  }
  const runtime = cudaRuntimeMissing(process.platform, process.env, { binDir });
  if (args.flag('json')) {
    printJson(io, {
      binDir,
      installed: installed ?? [],
      missing: runtime.missing,
      cudnnMissing: runtime.cudnnMissing ?? null,
      message: runtime.message ?? null,
    });
  } else {
    io.stdout(`${runtime.message ?? 'CUDA is ready: run with --ep cuda'}\n`);
  }
  return 0;
}

export const installCudaCommand: CliCommand = {
  name: 'install-cuda',
  summary:
    "install onnxruntime-node's CUDA provider (Linux x64) from NuGet, verified, and say which CUDA libraries are missing",
  options: [
    { name: 'feed', type: 'string', help: `a NuGet v3 service index (default ${NUGET_FEED})` },
    {
      name: 'bin-dir',
      type: 'string',
      help: "the folder to install into (default onnxruntime-node's bin folder)",
    },
    { name: 'force', type: 'flag', help: 'install again when the provider files are already there' },
  ],
  run,
};
