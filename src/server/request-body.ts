// Reads a request body up to a byte limit (413 beyond it) and parses it as JSON (400 when it is not).
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-errors';

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'bad-params', `the request body is larger than ${limit} bytes`, null, {
    connection: 'close',
  });
}

/**
 * The whole body; refuses a declared or actual length over `limit` without buffering it. A refused body is still read
 * (and dropped) to its end, up to 16 times the limit: a connection closed while the client is still sending is reset,
 * and the client would see that instead of the 413.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  let over = Number.isFinite(declared) && declared > limit;
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) over = true;
    if (size > 16 * limit) break; // past this, whoever sends it gets a closed connection
    if (!over) parts.push(part);
  }
  if (over) throw tooLarge(limit);
  return Buffer.concat(parts);
}

/** The body parsed by `parse` (JSON.parse, or wire JSON); an empty body is undefined. */
export function parseBody(body: Buffer, parse: (text: string) => unknown): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return parse(text);
  } catch (e) {
    throw new HttpError(400, 'bad-params', `the request body is not valid JSON: ${(e as Error).message}`);
  }
}
