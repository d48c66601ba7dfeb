// In VS Code's Chat: another extension uses Glassbox through vscode.lm, @glassbox /explain answers and stops, and the
// model picker offers Glassbox for a plain request (Copilot Chat's bring-your-own-model path, offline).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { autoProvider, glassbox } from '../support/cli';
import {
  isLoading,
  lastResponse,
  responseDetails,
  responseError,
  newChat,
  openChatView,
  openModelPicker,
  pickModel,
  pressStop,
  responseText,
  sendChat,
  stopButton,
} from './chat-view';
import { packageFixtureExtension } from './fixture-extension';
import { hostSandbox, type HostSandbox } from './host-sandbox';
import {
  artifacts,
  openAndSelect,
  openWorkbench,
  panelFrame,
  runCommand,
  until,
  type Workbench,
  glassboxVsix,
} from './workbench';

const BUNDLED = 'glassbox-tiny';
/** Tries at stopping an answer the bundled model may finish before a click lands (see the participant test). */
const STOP_ATTEMPTS = 4;
/** Counted by the fixture extension with countTokens and by `glassbox inspect`: code, non-ASCII, an emoji. */
const COUNT_TEXT = 'def greet(name):\n    return f"Grüße, {name}!"  # 👋\n';
let sandbox: HostSandbox;
let wb: Workbench;
let resultFile: string;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  sandbox = hostSandbox();
  resultFile = join(sandbox.dir, 'lm-client.json');
  const client = packageFixtureExtension('lm-client', sandbox.dir);
  wb = await openWorkbench(
    [glassboxVsix, client],
    {
      'workbench.startupEditor': 'none',
      // greedy answers from the bundled model run long enough to press Stop
      'glassbox.temperature': 0,
      'glassbox.maxNewTokens': 320,
      // without it, a fresh profile's first plain request opens "Sign in to use GitHub Copilot" (GitHub, Google,
      // Apple, GHE; closing it answers "You need to set up GitHub Copilot"), which cannot be passed offline; with it,
      // the request goes to Copilot Chat, which starts and calls the picked model
      'chat.allowAnonymousAccess': true,
    },
    undefined,
    { ...sandbox.env, GLASSBOX_LM_CLIENT_OUT: resultFile, GLASSBOX_LM_CLIENT_TEXT: COUNT_TEXT },
  );
  await wb.page.locator('.statusbar-item', { hasText: `${BUNDLED} · ${autoProvider()}` }).waitFor();
});
let failed = false;
after(async () => {
  if (failed && wb) console.log(wb.logs().slice(-4000));
  await wb?.close();
  const removed = (await sandbox?.restore()) ?? [];
  if (removed.length)
    console.log(`[lm] removed what Copilot Chat added to code-server: ${removed.join(', ')}`);
});

/** Runs `body`; on failure, a screenshot named after the test and the workbench's log at the end. */
async function step(name: string, body: (page: Page) => Promise<void>): Promise<void> {
  try {
    await body(wb.page);
  } catch (e) {
    failed = true;
    await wb?.page
      .screenshot({ path: join(artifacts, `integration-lm-${name}-failure.png`) })
      .catch(() => undefined);
    throw e;
  }
}

/** The bundled model's number of tokens for `text`, BOS not counted, as the CLI reports it (an independent path). */
function cliTokenCount(text: string): number {
  const file = join(sandbox.dir, 'count.txt');
  writeFileSync(file, text);
  const r = glassbox(['inspect', '--file', file, '--ep', 'cpu', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { tokens: unknown[] }).tokens.length;
}

describe('Glassbox in VS Code Chat (code-server)', () => {
  test('another extension gets the glassbox model through vscode.lm: an answer, countTokens as the CLI counts', () =>
    step('client', async (page) => {
      await runCommand(page, 'Glassbox LM Client: Run');
      await until(async () => existsSync(resultFile), 'the fixture extension wrote its result', 120_000);
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as {
        models: { id: string; name: string; family: string; vendor: string; maxInputTokens: number }[];
        text: string;
        countTokens: number | null;
        error: string | null;
      };
      assert.equal(result.error, null);
      const config = JSON.parse(
        readFileSync(join(import.meta.dirname, '../../models', BUNDLED, 'config.json'), 'utf8'),
      ) as {
        model_type: string;
        max_position_embeddings: number;
      };
      const [model] = result.models;
      assert.ok(model, 'selectChatModels({ vendor: "glassbox" }) found a model');
      assert.deepEqual(
        { id: model.id, name: model.name, family: model.family, vendor: model.vendor },
        { id: BUNDLED, name: `Glassbox: ${BUNDLED}`, family: config.model_type, vendor: 'glassbox' },
      );
      assert.ok(
        model.maxInputTokens > 0 && model.maxInputTokens <= config.max_position_embeddings,
        `maxInputTokens ${model.maxInputTokens} within the context (${config.max_position_embeddings})`,
      );
      assert.match(result.text, /\S/, 'the streamed answer has text');
      assert.equal(result.countTokens, cliTokenCount(COUNT_TEXT));
    }));

  test('@glassbox /explain streams an answer with Replay in Inspector; Stop stops a second one', (t: TestContext) =>
    step('participant', async (page) => {
      await openAndSelect(page, 'words.py', 11, 15);
      await openChatView(page);
      await sendChat(page, '@glassbox /explain');
      const answer = lastResponse(page);
      await answer.locator('.username', { hasText: 'Glassbox' }).waitFor();
      // text appears while the answer is still being written
      await until(async () => {
        const error = await responseError(answer);
        if (error) throw new Error(`@glassbox answered with an error: ${error}`);
        return (await isLoading(answer)) && /\S/.test(await responseText(answer));
      }, 'the answer streams');
      const replay = answer.locator('.chat-command-button a', { hasText: 'Replay in Inspector' });
      await replay.waitFor({ timeout: 120_000 });
      // the button is the participant's last part: the view stops loading once the handler has returned
      await until(async () => !(await isLoading(answer)), 'the answer is complete', 10_000);
      assert.match(await responseText(answer), /\S/);
      await page.screenshot({ path: join(artifacts, 'integration-lm-participant.png') });
      // the button opens this answer in the Glassbox panel's step-through
      await replay.click();
      const panel = await panelFrame(page);
      await panel
        .locator('gb-step-replay .replay-progress')
        .filter({ hasText: /^\s*0 \/ [1-9]\d*\s*$/ })
        .waitFor();

      // Stop while Glassbox writes a second answer. It is pressed as soon as the request runs, but the bundled model
      // writes its whole answer (320 tokens) in about 1 s at 300 tokens/s, and a click can land after that, or before
      // its first word: such an attempt shows nothing about Stop, and a new chat tries again, up to STOP_ATTEMPTS times
      await panel.locator('vscode-tab-header.tab-chat').click();
      let state = '';
      for (let attempt = 1; attempt <= STOP_ATTEMPTS; attempt++) {
        // a new chat, so that no earlier turn fills the 512-token context: this answer would run to the token limit
        await openChatView(page);
        await newChat(page);
        await sendChat(page, '@glassbox /explain Line by line, in detail.');
        const second = lastResponse(page);
        await stopButton(page).waitFor();
        await pressStop(page);
        await until(async () => !(await isLoading(second)), 'the answer is no longer loading', 10_000);
        await stopButton(page).waitFor({ state: 'hidden' });
        const stopped = await responseText(second);
        await page.waitForTimeout(2_000);
        assert.equal(await responseText(second), stopped, 'the answer stopped growing');
        assert.equal(await responseError(second), undefined);
        if (stopped.trim() === '') {
          // Stop landed before Glassbox wrote anything (it may not even have begun the answer): nothing to look for
          t.diagnostic(`attempt ${attempt}: Stop landed before the answer's first text`);
          continue;
        }
        // the engine stopped: Glassbox's panel shows this answer (its own history) as stopped, short of the limit
        await panel
          .locator('gb-chat', { hasText: '@glassbox: Explain what this code does. Line by line' })
          .waitFor();
        const stored = panel.locator('article[aria-label="Answer from the model"]').last();
        await until(
          async () => !/\bstate-streaming\b/.test((await stored.getAttribute('class')) ?? ''),
          'Glassbox ended it',
        );
        state = `${await stored.getAttribute('class')} (${await stored.locator('.stats').innerText()})`;
        if (!/reached the token limit/.test(state)) break;
        t.diagnostic(`attempt ${attempt}: the answer was complete before Stop landed: ${state}`);
      }
      assert.match(state, /\bstate-stopped\b.*stopped/is, `Glassbox stored the answer as stopped: ${state}`);
      await page.screenshot({ path: join(artifacts, 'integration-lm-stopped.png') });
    }));

  test('the model picker offers Glassbox: glassbox-tiny and a plain request answers with it', (t: TestContext) =>
    step('picker', async (page) => {
      await openChatView(page);
      await newChat(page);
      const offered = await openModelPicker(page);
      t.diagnostic(`model picker: ${offered.join(' | ')}`);
      assert.ok(
        offered.some((label) => label.startsWith(`Glassbox: ${BUNDLED}`)),
        `the model picker offers Glassbox: ${BUNDLED} (it shows: ${offered.join(' | ')})`,
      );
      await pickModel(page, `Glassbox: ${BUNDLED}`);
      await page.screenshot({ path: join(artifacts, 'integration-lm-picker.png') });
      await sendChat(page, 'Write a function that adds two numbers.');
      const answer = lastResponse(page);
      await until(
        async () => {
          const dialog = page.locator('.monaco-dialog-box');
          if (await dialog.isVisible()) throw new Error(`a dialog: ${await dialog.innerText()}`);
          if (await isLoading(answer)) return false;
          return (await responseError(answer)) !== undefined || /\S/.test(await responseText(answer));
        },
        'the plain request is answered',
        120_000,
      );
      assert.equal(await responseError(answer), undefined, 'the request did not fail');
      assert.match(await responseText(answer), /\S/);
      // VS Code's agent (Copilot Chat) wrote it, with the picked model
      const who = await answer.locator('.username').allTextContents();
      assert.ok(!who.includes('Glassbox'), `not the @glassbox participant (${who.join(', ')})`);
      assert.match(await responseDetails(answer), new RegExp(`, Glassbox: ${BUNDLED}$`));
      await page.screenshot({ path: join(artifacts, 'integration-lm-plain.png') });
    }));
});
