// `glassbox download REPO_ID`: one ONNX variant of a Hub model into the Hugging Face cache, resumable and verified.
import { freemem } from 'node:os';
import { recommendVariant } from '../hub/catalog';
import { envToken, hubEndpoint, listRepo } from '../hub/hub-api';
import { hubCacheDir, isRepoId } from '../hub/hub-cache';
import { downloadModel, type DownloadProgress } from '../hub/model-download';
import { proxyFetch } from '../hub/proxy-fetch';
import { variantsOf } from '../hub/variant-files';
import { UsageError, type Args } from './args';
import { printJson, type CliCommand, type CliIO } from './command';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

function progressLine(p: DownloadProgress): string {
  const pct = p.total ? ((100 * p.bytes) / p.total).toFixed(1) : '100.0';
  const rate = p.bytesPerSecond > 0 ? `, ${mib(p.bytesPerSecond)}/s` : '';
  const left = p.secondsLeft !== undefined ? `, ${Math.ceil(p.secondsLeft)} s left` : '';
  return `${pct}% ${mib(p.bytes)} of ${mib(p.total)}${rate}${left}: ${p.file}`;
}

async function run(args: Args, io: CliIO): Promise<number> {
  const repo = args.positional();
  if (!repo) throw new UsageError('name the repository: glassbox download ORG/NAME');
  if (!isRepoId(repo)) throw new UsageError(`"${repo}" is not a Hub repository id (organisation/name)`);
  const endpoint = hubEndpoint(args.string('endpoint'));
  const token = envToken();
  const viaProxy = proxyFetch(); // HTTPS_PROXY / HTTP_PROXY / NO_PROXY
  const fetchOption = viaProxy ? { fetch: viaProxy } : {};
  const cacheDir = args.string('cache-dir') ?? hubCacheDir();
  const revision = args.string('revision') ?? 'main';
  let dtype = args.string('dtype');
  if (!dtype) {
    const listing = await listRepo(repo, revision, { endpoint, token, ...fetchOption });
    const pick = recommendVariant(variantsOf(listing.files), args.string('ep') ?? 'cpu', freemem());
    if (!pick) throw new UsageError(`${repo} has no ONNX model (onnx/model*.onnx)`);
    dtype = pick.variant.dtype;
    io.stderr(`glassbox download: ${dtype} (${pick.why}); --dtype picks another\n`);
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  let last = 0;
  try {
    const result = await downloadModel({
      repo,
      revision,
      dtype,
      cacheDir,
      endpoint,
      token,
      ...fetchOption,
      signal: controller.signal,
      onProgress: (p) => {
        if (Date.now() - last < 500 && p.bytes < p.total) return;
        last = Date.now();
        io.stderr(`${progressLine(p)}\n`);
      },
    });
    if (args.flag('json')) printJson(io, result);
    else io.stdout(`${result.path}\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
  }
}

export const downloadCommand: CliCommand = {
  name: 'download',
  summary:
    'download one ONNX variant of a Hugging Face Hub model into the Hugging Face cache (resumes, verifies)',
  positional: 'REPO_ID',
  options: [
    { name: 'revision', type: 'string', help: 'branch, tag or commit (default main)' },
    {
      name: 'endpoint',
      type: 'string',
      help: 'the Hub or a mirror (default $HF_ENDPOINT, else https://huggingface.co)',
    },
    {
      name: 'cache-dir',
      type: 'string',
      help: 'cache folder (default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)',
    },
  ],
  run,
};
