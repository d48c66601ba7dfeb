// Connecting to a server: which kind it is (Glassbox, vLLM, llama.cpp, Ollama, LM Studio, other OpenAI), which model.
import type { ModelInfo } from '../protocol/engine-methods';
import { GLASSBOX_INFO_PATH } from '../protocol/server-api';
import type { EngineBackend } from './engine-backend';
import { EngineCallError } from './engine-client';
import { HttpJson, type RemoteTimeouts } from './http-json';
import { OpenAIBackend, type OpenAIServerKind } from './openai-backend';
import { RemoteGlassbox, serverInfo } from './remote-glassbox';
import { SERVER_NAMES } from './remote-views';
import { array, field, object, optionalCount, string, type Json } from './response-fields';

export interface ConnectOptions {
  /** The server, with or without `/v1`. */
  baseUrl: string;
  /** The model id to use (default: the first the server lists). */
  model?: string;
  /** Sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** The fetch to use (default: Node's global fetch), e.g. one through a proxy. */
  fetch?: typeof fetch;
  timeouts?: RemoteTimeouts;
}

/** An answer, or undefined when the server has no such route or answers something else (a probe that says "no"). */
async function probe(run: () => Promise<unknown>): Promise<Json | undefined> {
  try {
    const answer = await run();
    return typeof answer === 'object' && answer !== null && !Array.isArray(answer)
      ? (answer as Json)
      : undefined;
  } catch (e) {
    const code = (e as EngineCallError).code;
    // a server that is down, refuses the key or is too slow says so now, not as a wrong kind
    if (
      code === 'server-unreachable' ||
      code === 'unauthorized' ||
      code === 'timeout' ||
      code === 'cancelled'
    )
      throw e;
    return undefined;
  }
}

/** Which model of `models` to use: the one asked for, else the first; a clear error naming what the server has. */
function chooseModel(wanted: string | undefined, models: string[], server: string): string {
  if (models.length === 0 && wanted === undefined)
    throw new EngineCallError('no-model', `${server} lists no models (GET /v1/models is empty)`);
  if (wanted === undefined) return models[0] as string;
  if (!models.includes(wanted)) {
    throw new EngineCallError(
      'no-model',
      `${server} does not serve the model "${wanted}"; it serves: ${models.map((m) => `"${m}"`).join(', ') || 'nothing'}`,
    );
  }
  return wanted;
}

/** `GET /v1/models`: `{ data: [{ id, ... }] }`. */
function listedModels(answer: unknown): Json[] {
  const list = array(
    field(object(answer, 'GET /v1/models'), 'data', 'GET /v1/models'),
    'GET /v1/models data',
  );
  return list.map((m, i) => {
    const o = object(m, `GET /v1/models data[${i}]`);
    string(o.id, `GET /v1/models data[${i}].id`);
    return o;
  });
}

/**
 * Connects to a server and tells its kind: `GET /glassbox/v1/info` answers on a Glassbox server; else `GET /v1/models`
 * (required) and light probes: vLLM `GET /version`, llama.cpp `GET /props`, Ollama `GET /api/version`, LM Studio
 * `GET /api/v0/models`; none of them: a generic OpenAI-compatible server. Resolves with the backend and its ModelInfo.
 */
export async function connectRemote(
  options: ConnectOptions,
): Promise<{ backend: EngineBackend; info: ModelInfo }> {
  const http = new HttpJson(options);

  const glassbox = await probe(() => http.getJson(GLASSBOX_INFO_PATH));
  if (glassbox) {
    const info = serverInfo(glassbox, `GET ${GLASSBOX_INFO_PATH}`);
    const name = info.model.name;
    chooseModel(options.model, [name], `the Glassbox server at ${http.root}`);
    const backend = new RemoteGlassbox(http, [name]);
    return { backend, info: backend.withRemote(info.model) };
  }

  const listed = listedModels(await http.getJson('/v1/models'));
  const ids = listed.map((m) => m.id as string);
  const [props, version, ollama, lmstudio] = await Promise.all([
    probe(() => http.getJson('/props')),
    probe(() => http.getJson('/version')),
    probe(() => http.getJson('/api/version')),
    probe(() => http.getJson('/api/v0/models')),
  ]);
  let kind: OpenAIServerKind = 'openai';
  if (props && typeof props.default_generation_settings === 'object') kind = 'llama.cpp';
  else if (version && typeof version.version === 'string') kind = 'vllm';
  else if (ollama && typeof ollama.version === 'string') kind = 'ollama';
  else if (lmstudio && Array.isArray(lmstudio.data)) kind = 'lmstudio';

  const model = chooseModel(options.model, ids, `${SERVER_NAMES[kind]} at ${http.root}`);
  let contextLength = 0;
  if (kind === 'vllm') {
    contextLength = optionalCount(listed.find((m) => m.id === model)?.max_model_len) ?? 0;
  } else if (kind === 'llama.cpp') {
    const settings = (props?.default_generation_settings ?? {}) as Json;
    contextLength = optionalCount(settings.n_ctx) ?? optionalCount(props?.n_ctx) ?? 0;
  } else if (kind === 'lmstudio') {
    const entry = (lmstudio?.data as unknown[]).find((m) => (m as Json | null)?.id === model) as
      Json | undefined;
    contextLength =
      optionalCount(entry?.loaded_context_length) ?? optionalCount(entry?.max_context_length) ?? 0;
  }
  const backend = new OpenAIBackend({ http, kind, model, models: ids, contextLength });
  return { backend, info: backend.info() };
}
