// Runs inside a desktop VS Code's extension host: Explain Selection answers and is stored; Stop stops; nothing is lost.
const assert = require('node:assert/strict');
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const vscode = require('vscode');

const storage = () =>
  join(
    process.env.GLASSBOX_TEST_USER_DATA ?? '',
    'User',
    'globalStorage',
    'glassbox.glassbox',
    'conversations',
  );

/** Every stored conversation (the files the history list reads). */
function conversations() {
  const dir = storage();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

async function until(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function selectInDemo(file, fromLine, toLine) {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the demo folder is open');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, file));
  const editor = await vscode.window.showTextDocument(doc);
  editor.selection = new vscode.Selection(fromLine - 1, 0, toLine, 0);
}

const tests = {
  async 'the extension activates and contributes its commands'() {
    const ext = vscode.extensions.getExtension('glassbox.glassbox');
    assert.ok(ext);
    await ext.activate();
    const commands = await vscode.commands.getCommands(true);
    for (const c of [
      'glassbox.openChat',
      'glassbox.explainSelection',
      'glassbox.askAboutSelection',
      'glassbox.stopAnswer',
    ]) {
      assert.ok(commands.includes(c), c);
    }
  },

  async 'Explain Selection streams an answer from the bundled model and stores the conversation'() {
    await vscode.workspace
      .getConfiguration('glassbox')
      .update('temperature', 0, vscode.ConfigurationTarget.Global);
    await selectInDemo('stats.ts', 3, 6);
    await vscode.commands.executeCommand('glassbox.explainSelection');
    const done = await until('a finished answer', () =>
      conversations().find(
        (c) => c.messages.at(-1)?.role === 'assistant' && c.messages.at(-1).state !== 'streaming',
      ),
    );
    const [question, answer] = done.messages;
    assert.equal(question.attachments[0].file, 'stats.ts');
    assert.match(question.attachments[0].text, /export function mean/);
    assert.ok(
      answer.content.length > 0 && ['done', 'stopped'].includes(answer.state),
      JSON.stringify(answer),
    );
    assert.ok(answer.stats.tokensPerSecond > 0);
  },

  async 'Stop ends the answer being written, keeping its text'() {
    await vscode.workspace
      .getConfiguration('glassbox')
      .update('maxNewTokens', 320, vscode.ConfigurationTarget.Global);
    const before = new Set(conversations().map((c) => c.id));
    await selectInDemo('words.py', 5, 8);
    await vscode.commands.executeCommand('glassbox.explainSelection');
    await until('the answer to start', () =>
      conversations().find((c) => !before.has(c.id) && c.messages.at(-1)?.content.length > 0),
    );
    await vscode.commands.executeCommand('glassbox.stopAnswer');
    const stopped = await until('the stopped answer', () =>
      conversations().find((c) => !before.has(c.id) && c.messages.at(-1)?.state !== 'streaming'),
    );
    assert.equal(stopped.messages.at(-1).state, 'stopped');
  },
};

/** The runner @vscode/test-electron calls: each test in order, all failures reported, then a verdict. */
exports.run = async function run() {
  const failures = [];
  for (const [name, test] of Object.entries(tests)) {
    try {
      await test();
      console.log(`ok - ${name}`);
    } catch (e) {
      failures.push(name);
      console.error(`not ok - ${name}\n${e && e.stack ? e.stack : e}`);
    }
  }
  if (failures.length) throw new Error(`${failures.length} electron test(s) failed: ${failures.join('; ')}`);
};
