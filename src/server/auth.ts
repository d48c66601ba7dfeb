// Who may use the server: the API key check (constant time) and which addresses count as this machine only.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Throws 401 unless the request carries `Authorization: Bearer <key>`; compares digests in constant time. */
export function checkApiKey(req: IncomingMessage, key: string): void {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match || !timingSafeEqual(digest(match[1]?.trim() ?? ''), digest(key))) {
    throw new HttpError(
      401,
      'unauthorized',
      header === '' ? 'this server needs an API key (Authorization: Bearer KEY)' : 'the API key is not valid',
      null,
      { 'www-authenticate': 'Bearer' },
    );
  }
}
