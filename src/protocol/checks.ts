// Checks for params that arrive over a channel (untrusted input): each returns the value or throws BadParams.
// Import-free, so the engine (every engine method) and the host (every webview message) check with the same rules.

/** A request whose params are not what the method takes (the reply's error code is 'bad-params'). */
export class BadParams extends Error {
  readonly code = 'bad-params';
  override readonly name = 'BadParams';
}

export type Rec = Record<string, unknown>;

/** What names a conversation or a message in it (a UUID today; kept loose for older files). */
export const CONVERSATION_ID = /^[A-Za-z0-9-]{1,64}$/;
/** What names a result the engine holds (an inspection, a step-through). */
export const ENGINE_HANDLE = /^[a-z0-9]{1,32}$/;

export const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The params object itself (`what` names the method in the message). */
export function record(v: unknown, what = 'params'): Rec {
  if (!isRecord(v)) throw new BadParams(`${what} must be an object`);
  return v;
}

export function text(v: unknown, name: string, max = 10_000_000): string {
  if (typeof v !== 'string') throw new BadParams(`${name} must be a string`);
  if (v.length > max) throw new BadParams(`${name} is too long (${v.length} characters, at most ${max})`);
  return v;
}

export function whole(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new BadParams(`${name} must be a whole number from ${min} to ${max}`);
  }
  return v;
}

/** A finite number in [min, max] (or (min, max] with `aboveMin`). */
export function number(v: unknown, name: string, min: number, max: number, aboveMin = false): number {
  const low = aboveMin ? (x: number) => x > min : (x: number) => x >= min;
  if (typeof v !== 'number' || !Number.isFinite(v) || !low(v) || v > max) {
    throw new BadParams(
      `${name} must be a number ${aboveMin ? 'above' : 'from'} ${min} ${aboveMin ? 'up ' : ''}to ${max}`,
    );
  }
  return v;
}

export function flag(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new BadParams(`${name} must be true or false`);
  return v;
}

export function oneOf<T extends string>(v: unknown, name: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new BadParams(`${name} must be one of ${choices.join(', ')}`);
  }
  return v as T;
}

export function matches(v: unknown, name: string, pattern: RegExp, what: string): string {
  if (typeof v !== 'string' || !pattern.test(v)) throw new BadParams(`${name} must be ${what}`);
  return v;
}

/** A list of at most `max` items, each checked by `item` (named `name[i]` in messages). */
export function list<T>(v: unknown, name: string, max: number, item: (x: unknown, name: string) => T): T[] {
  if (!Array.isArray(v) || v.length > max) throw new BadParams(`${name} must be a list of at most ${max}`);
  return v.map((x, i) => item(x, `${name}[${i}]`));
}

/** `{ [key]: check(value) }` when the value is present, `{}` when it is undefined (for optional params). */
export function optional<K extends string, T>(
  r: Rec,
  key: K,
  check: (v: unknown, name: string) => T,
): { [P in K]?: T } {
  return (r[key] === undefined ? {} : { [key]: check(r[key], key) }) as { [P in K]?: T };
}
