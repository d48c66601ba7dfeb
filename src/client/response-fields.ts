// Reading a server's JSON answer field by field: each wrong or missing field is a `bad-response` that names it.
import { EngineCallError } from './engine-client';

export type Json = Record<string, unknown>;

function bad(where: string, what: string): EngineCallError {
  return new EngineCallError('bad-response', `${where}: ${what}`);
}

export function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad(where, 'not a JSON object');
  return value as Json;
}

export function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw bad(where, 'not a JSON array');
  return value;
}

export function field(o: Json, key: string, where: string): unknown {
  if (!(key in o)) throw bad(where, `"${key}" is missing`);
  return o[key];
}

export function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw bad(where, 'not a string');
  return value;
}

export function number(value: unknown, where: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw bad(where, 'not a number');
  return value;
}

export function integer(value: unknown, where: string): number {
  if (!Number.isInteger(value)) throw bad(where, 'not an integer');
  return value as number;
}

/** A positive integer, else undefined (a limit a server may leave out or report as 0). */
export function optionalCount(value: unknown): number | undefined {
  return Number.isInteger(value) && (value as number) > 0 ? (value as number) : undefined;
}
