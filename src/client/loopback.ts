// Which hosts only this machine can reach (no API key needed to serve them, no confirmation to send code to them).
import { isIP } from 'node:net';

/** True for names and addresses that only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  // an IPv4-mapped 127.x address, as written (::ffff:127.0.0.1) or as URLs normalise it (::ffff:7f00:1)
  if (isIP(h) === 6) return h === '::1' || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(h);
  return false;
}
