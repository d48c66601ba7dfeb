// Runs the built CLI (node dist/cli.js) as a user would, for the tests that compare against it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './model-folder';

export const cliPath = join(repoRoot, 'dist', 'cli.js');

export function glassbox(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { code: number | null; stdout: string; stderr: string } {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let autoChoice: string | undefined;

/** The provider `auto` takes on this machine, as the engine reports it (`glassbox info --json`); asked once. */
export function autoProvider(): string {
  if (autoChoice === undefined) {
    const r = glassbox(['info', '--json']);
    assert.equal(r.code, 0, r.stderr);
    autoChoice = (JSON.parse(r.stdout) as { executionProviders: { chosen: string } }).executionProviders
      .chosen;
  }
  return autoChoice;
}
