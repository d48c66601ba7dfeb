// The inspect/* request handlers: one Inspector per loaded model (made on first use), ranges checked against it.
import type {
  AttentionMatrix,
  InspectParams,
  InspectResult,
  LensLayerResult,
  NeighbourResult,
} from '../../protocol/engine-methods';
import { whole } from '../../protocol/checks';
import type { LoadedModel } from '../model/model';
import { Inspector } from './inspector';
import { inspectableModel } from './loaded-model';

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
    return (await this.current(model)).inspect(params.text, { topK: params.topK ?? 10 });
  }

  async attention(
    model: LoadedModel,
    params: { handle: string; layer: number; head: number | 'mean' },
  ): Promise<AttentionMatrix> {
    // the params' shape is checked at the engine boundary; their range depends on the model
    const layer = whole(params.layer, 'layer', 0, model.dims.layers - 1);
    const head = params.head === 'mean' ? 'mean' : whole(params.head, 'head', 0, model.dims.heads - 1);
    return (await this.current(model)).attention(params.handle, layer, head);
  }

  async thumbnails(model: LoadedModel, params: { handle: string; size: number }): Promise<AttentionMatrix> {
    return (await this.current(model)).thumbnails(params.handle, params.size);
  }

  async lens(
    model: LoadedModel,
    params: { handle: string; position: number; topK?: number },
  ): Promise<LensLayerResult[]> {
    const position = whole(params.position, 'position', 0, model.dims.contextLength);
    return (await this.current(model)).lens(params.handle, position, params.topK ?? 10);
  }

  async neighbours(model: LoadedModel, params: { id: number; topK?: number }): Promise<NeighbourResult[]> {
    const id = whole(params.id, 'id', 0, model.dims.vocab - 1);
    return (await this.current(model)).neighbours(id, params.topK ?? 10);
  }

  async release(model: LoadedModel, params: { handle: string }): Promise<undefined> {
    if (this.model === model && this.inspector) (await this.inspector).release(params.handle);
    return undefined;
  }

  async dispose(): Promise<void> {
    await this.modelChanged(undefined);
  }
}
