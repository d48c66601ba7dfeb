// Code blocks in Chromium: highlighted, and Copy / Insert / Open in new editor send the block's code and language.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assistant, conversation, hostConfig, user } from './support/fixtures';
import { testBed } from './support/panel';

const bed = testBed();

const python = 'def greet(name):\n    return f"hi {name}"';
const ts = 'const answer: number = 42;\nconsole.log(`answer ${answer}`);';
const answer = `Python:\n\n\`\`\`python\n${python}\n\`\`\`\n\nTypeScript:\n\n\`\`\`ts title="x.ts"\n${ts}\n\`\`\`\n\nPlain:\n\n    indented <code>\n`;
const c = conversation('c1', 'Code', [user('u1', 'show me code'), assistant('a1', answer)]);

test('each code block is highlighted and its buttons send its own code and language', async () => {
  const panel = await bed().open(hostConfig({ conversations: [c], current: c }));
  const blocks = panel.page.locator('.message-assistant .code-block');
  await blocks.nth(2).waitFor();
  assert.deepEqual(await blocks.locator('.code-lang').allTextContents(), ['python', 'ts', 'text']);
  assert.equal(await blocks.nth(0).locator('.hljs-keyword').first().textContent(), 'def');
  assert.equal(await blocks.nth(1).locator('.hljs-keyword').first().textContent(), 'const');

  const button = (block: number, name: RegExp) => blocks.nth(block).getByRole('button', { name });
  const copied = await panel.expectRequest('clipboard/copy', () => button(0, /^Copy code/).click());
  assert.deepEqual(copied, { text: python });
  await button(0, /^Copied$/).waitFor();

  const inserted = await panel.expectRequest('editor/insert', () => button(1, /Insert code/).click());
  assert.deepEqual(inserted, { code: ts });
  const opened = await panel.expectRequest('editor/openNew', () => button(1, /new editor/).click());
  assert.deepEqual(
    opened,
    { code: ts, language: 'typescript' },
    'the fence name becomes a VS Code language id',
  );
  const plain = await panel.expectRequest('editor/openNew', () => button(2, /new editor/).click());
  assert.deepEqual(plain, { code: 'indented <code>', language: 'plaintext' });

  // the buttons are reachable from the keyboard too
  await button(0, /Insert code/).focus();
  const byKey = await panel.expectRequest('editor/insert', () => panel.page.keyboard.press('Enter'));
  assert.deepEqual(byKey, { code: python });
  await panel.assertClean();
  await panel.close();
});
