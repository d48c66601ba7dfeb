// Chat's view of the engine: the EngineBackend calls, each after the model manager says the model is ready.
import type { EngineBackend } from '../../client/engine-backend';
import type { ModelManager } from '../models/model-manager';
import type { ChatEngine } from './chat-service';

export function engineChat(client: EngineBackend, models: ModelManager): ChatEngine {
  return {
    modelName: async () => (await models.ready()).name,
    countTokens: async (messages) => {
      await models.ready();
      return client.request('model/countTokens', { messages });
    },
    generate: async (params, onChunk, signal) => {
      await models.ready();
      await client.stream('model/generate', params, onChunk, { signal });
    },
  };
}
