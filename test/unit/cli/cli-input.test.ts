// The CLI's text input: long prompts from a file or stdin (never a crash), empty/binary/oversized/invalid-UTF-8 files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliPath, glassbox as runCli } from '../../support/cli';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-cli-input-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const glassbox = (...args: string[]) =>
  runCli(args, { ...process.env, GLASSBOX_CACHE_DIR: join(tmp, 'cache') });
const file = (name: string, bytes: string | Buffer) => {
  writeFileSync(join(tmp, name), bytes);
  return join(tmp, name);
};

test('a prompt too long for the command line is refused with a message, not a segfault; --prompt-file and - take it', () => {
  const long = 'x'.repeat(30_000);
  const r = glassbox('generate', '--prompt', long, '--ep', 'cpu');
  assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /command line holds \d+ bytes.*--prompt-file PATH, or - for standard input/s);
  // a long prompt goes in a file: the tiny model's 512-token context then refuses it with a coded line
  const tooLong = glassbox(
    'generate',
    '--prompt-file',
    file('long.txt', 'let x = 1;\n'.repeat(3000)),
    '--ep',
    'cpu',
  );
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /needs 18001 positions but the model's context holds 512 \[context-length\]/);
  const fromFile = glassbox(
    'generate',
    '--prompt-file',
    file('fits.txt', 'let x = 1;\n'.repeat(40)),
    '--max-new-tokens',
    '2',
    '--greedy',
    '--json',
    '--ep',
    'cpu',
  );
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.ok((JSON.parse(fromFile.stdout) as { promptTokens: number[] }).promptTokens.length > 100);
  const stdin = spawnSync(
    process.execPath,
    [cliPath, 'generate', '--prompt-file', '-', '--max-new-tokens', '2', '--json', '--ep', 'cpu'],
    {
      input: 'function add(a, b) {\n',
      encoding: 'utf8',
      env: { ...process.env, GLASSBOX_CACHE_DIR: join(tmp, 'cache') },
    },
  );
  assert.equal(stdin.status, 0, stdin.stderr);
  assert.equal((JSON.parse(stdin.stdout) as { tokens: number[] }).tokens.length, 2);
  const both = glassbox('generate', '--prompt', 'x', '--prompt-file', '-');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--prompt or --prompt-file, not both/);
});

test('score: an empty file is an error, a binary file is refused, the size is bounded, bytes are the file bytes', () => {
  const empty = glassbox('score', '--file', file('empty.txt', ''));
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /empty\.txt is empty: nothing to score/);
  const binary = glassbox('score', '--file', file('bin.dat', Buffer.from([0x61, 0, 0x62, 0xff])));
  assert.equal(binary.code, 1);
  assert.match(binary.stderr, /bin\.dat looks binary/);
  const big = glassbox('score', '--file', file('big.txt', 'a'.repeat(2000)), '--max-bytes', '1000');
  assert.equal(big.code, 1);
  assert.match(big.stderr, /has 2000 bytes, more than --max-bytes 1000/);
  // invalid UTF-8: said on stderr; bits per byte count the file's 9 bytes, not the decoded text's
  const latin1 = glassbox(
    'score',
    '--file',
    file('latin1.txt', Buffer.from('caf\xe9 ok\n', 'latin1')),
    '--json',
    '--ep',
    'cpu',
  );
  assert.equal(latin1.code, 0, latin1.stderr);
  assert.match(latin1.stderr, /latin1\.txt is not valid UTF-8/);
  const r = JSON.parse(latin1.stdout) as { bytes: number; bits: number; bitsPerByte: number };
  assert.equal(r.bytes, 8);
  assert.ok(Math.abs(r.bitsPerByte - r.bits / 8) < 1e-9);
});

test('score reports its progress on stderr, ending with every token scored', () => {
  const r = glassbox(
    'score',
    '--file',
    file('code.js', 'function add(a, b) {\n  return a + b;\n}\n'.repeat(60)),
    '--ep',
    'cpu',
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  const last = /(\d+) of (\d+) tokens scored/.exec(lines.at(-1) ?? '');
  assert.ok(last && last[1] === last[2], r.stderr);
  assert.match(r.stdout, /bits\/byte/);
});

test('inspect refuses a binary file and a folder with one line each', () => {
  const binary = glassbox(
    'inspect',
    '--file',
    file('img.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])),
  );
  assert.equal(binary.code, 1);
  assert.match(binary.stderr, /^glassbox inspect: .*img\.png looks binary/);
  assert.equal(binary.stderr.trim().split('\n').length, 1);
  const folder = glassbox('inspect', '--file', tmp);
  assert.equal(folder.code, 1);
  assert.match(folder.stderr, /is a folder, not a file/);
});
