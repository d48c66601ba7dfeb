// The host -> engine method map: method name -> [params, result]; pure types, imported by both sides.

export interface EngineMethods {
  'engine/ping': { params: undefined; result: { pong: true } };
}

export type EngineMethod = keyof EngineMethods;
export type EngineParams<M extends EngineMethod> = EngineMethods[M]['params'];
export type EngineResult<M extends EngineMethod> = EngineMethods[M]['result'];
