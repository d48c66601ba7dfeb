// Which hosts count as this machine (no confirmation to send code there, no API key needed to serve there).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopbackHost } from '../../../src/client/loopback';

test('localhost, 127.0.0.0/8 and ::1 (bracketed as URLs write it) are loopback', () => {
  for (const h of [
    'localhost',
    'LOCALHOST',
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '[::ffff:7f00:1]',
  ])
    assert.equal(isLoopbackHost(h), true, h);
});

test('every other name or address is not: LAN, public, 0.0.0.0, look-alike names', () => {
  for (const h of [
    '0.0.0.0',
    '10.0.0.5',
    '192.168.1.2',
    'gpu-box',
    'localhost.evil.com',
    '127.0.0.1.nip.io',
    '::',
    '[2001:db8::1]',
  ])
    assert.equal(isLoopbackHost(h), false, h);
});
