// The inspect/* request handlers: one Inspector per loaded model (made on first use), params checked, errors coded.
import type {
  AttentionMatrix,
  InspectParams,
  InspectResult,
  LensLayerResult,
  NeighbourResult,
} from '../../protocol/engine-methods';
import type { LoadedModel } from '../model/model';
import { Inspector } from './inspector';
import { inspectableModel } from './loaded-model';

/** A bad request (the reply's error.code is 'bad-params'). */
export class BadParamsError extends Error {
  readonly code = 'bad-params';
}

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadParamsError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function handleOf(params: { handle?: unknown } | undefined): string {
  if (typeof params?.handle !== 'string')
    throw new BadParamsError('needs { handle: string } from inspect/run');
  return params.handle;
}

export class InspectService {
  private inspector: Promise<Inspector> | undefined;
  private model: LoadedModel | undefined;
  private threads: number | undefined;

  constructor(
    private readonly cacheDir: string,
    private readonly options: { budgetBytes?: number } = {},
  ) {}

  /** Drops the inspector of the previous model; the next request makes one for `model` (on as many CPU threads). */
  async modelChanged(model: LoadedModel | undefined, threads?: number): Promise<void> {
    const previous = this.inspector;
    this.inspector = undefined;
    this.model = model;
    this.threads = threads;
    if (previous) await (await previous.catch(() => undefined))?.dispose();
  }

  private async current(model: LoadedModel): Promise<Inspector> {
    if (this.model !== model) await this.modelChanged(model);
    if (!this.inspector) {
      const made = Inspector.create(
        inspectableModel(model, this.threads === undefined ? {} : { threads: this.threads }),
        {
          cacheDir: this.cacheDir,
          ...(this.options.budgetBytes === undefined ? {} : { budgetBytes: this.options.budgetBytes }),
        },
      );
      // a failed creation is retried by the next request
      made.catch(() => {
        if (this.inspector === made) this.inspector = undefined;
      });
      this.inspector = made;
    }
    return this.inspector;
  }

  async run(model: LoadedModel, params: InspectParams): Promise<InspectResult> {
    if (typeof params?.text !== 'string') throw new BadParamsError('inspect/run needs { text: string }');
    const topK = params.topK === undefined ? 10 : integer(params.topK, 'topK', 1, 1000);
    return (await this.current(model)).inspect(params.text, { topK });
  }

  async attention(
    model: LoadedModel,
    params: { handle: string; layer: number; head: number | 'mean' },
  ): Promise<AttentionMatrix> {
    const handle = handleOf(params);
    const layer = integer(params.layer, 'layer', 0, model.dims.layers - 1);
    const head = params.head === 'mean' ? 'mean' : integer(params.head, 'head', 0, model.dims.heads - 1);
    return (await this.current(model)).attention(handle, layer, head);
  }

  async thumbnails(model: LoadedModel, params: { handle: string; size: number }): Promise<AttentionMatrix> {
    const handle = handleOf(params);
    return (await this.current(model)).thumbnails(handle, integer(params.size, 'size', 1, 256));
  }

  async lens(
    model: LoadedModel,
    params: { handle: string; position: number; topK?: number },
  ): Promise<LensLayerResult[]> {
    const handle = handleOf(params);
    const position = integer(params.position, 'position', 0, model.dims.contextLength);
    const k = params.topK === undefined ? 10 : integer(params.topK, 'topK', 1, 1000);
    return (await this.current(model)).lens(handle, position, k);
  }

  async neighbours(model: LoadedModel, params: { id: number; topK?: number }): Promise<NeighbourResult[]> {
    const id = integer(params?.id, 'id', 0, model.dims.vocab - 1);
    const k = params.topK === undefined ? 10 : integer(params.topK, 'topK', 1, 1000);
    return (await this.current(model)).neighbours(id, k);
  }

  async release(model: LoadedModel, params: { handle: string }): Promise<undefined> {
    const handle = handleOf(params);
    if (this.model === model && this.inspector) (await this.inspector).release(handle);
    return undefined;
  }

  async dispose(): Promise<void> {
    await this.modelChanged(undefined);
  }
}
