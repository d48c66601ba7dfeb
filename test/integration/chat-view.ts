// Drives VS Code's own Chat view (not the Glassbox panel): its input, requests, responses, Stop and the model picker.
import type { Locator, Page } from 'playwright-core';
import { clickNow, runCommand, until } from './workbench';

/** The Chat view's widget (in the secondary side bar by default). */
export function chatView(page: Page): Locator {
  return page.locator('.interactive-session').filter({ has: page.locator('.interactive-input-part') });
}

/** The text box of the Chat view's input. */
function chatInput(page: Page): Locator {
  return chatView(page).locator('.interactive-input-editor .monaco-editor').first();
}

/** Shows the Chat view (Chat: Open Chat) unless its input is already on screen. */
export async function openChatView(page: Page): Promise<void> {
  if (await chatInput(page).isVisible()) return;
  await runCommand(page, 'Chat: Open Chat');
  await chatInput(page).waitFor();
}

/** A new, empty chat (the view's New Chat button). */
export async function newChat(page: Page): Promise<void> {
  await page
    .locator('.pane-composite-part', { has: chatView(page) })
    .locator('a.action-label.codicon-plus[aria-label^="New Chat"]')
    .filter({ visible: true })
    .first()
    .click();
  await until(async () => (await responses(page).count()) === 0, 'the chat is empty', 10_000);
}

/**
 * Replaces what the input holds (a sticky participant stays in it after its answer) with `text` and sends it. The
 * suggestion list that `@name /command` opens is closed first, so Enter sends rather than accepting a suggestion.
 */
export async function sendChat(page: Page, text: string): Promise<void> {
  await chatInput(page).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
}

/** Every response in the current chat, oldest first in the DOM's order (the list is virtualised). */
function responses(page: Page): Locator {
  return chatView(page).locator('.interactive-item-container.interactive-response');
}

/** The most recent response of the current chat. */
export function lastResponse(page: Page): Locator {
  return responses(page).and(page.locator('.chat-most-recent-response'));
}

/** The answer text of a response (its markdown parts). */
export async function responseText(response: Locator): Promise<string> {
  const parts = await response.locator('.chat-markdown-part').allInnerTexts();
  return parts.join('\n');
}

/** The error VS Code shows in place of a response (a failed request, a participant's errorDetails), if any. */
export async function responseError(response: Locator): Promise<string | undefined> {
  const error = response.locator('.chat-notification-widget');
  return (await error.count()) > 0 ? (await error.first().innerText()).trim() : undefined;
}

/** The details under a finished response (its time and the model that wrote it), as VS Code reads them out. */
export async function responseDetails(response: Locator): Promise<string> {
  return (await response.locator('.chat-footer-details').first().getAttribute('aria-label')) ?? '';
}

/** Whether a response is still being written. */
export async function isLoading(response: Locator): Promise<boolean> {
  return /\bchat-response-loading\b/.test((await response.getAttribute('class')) ?? '');
}

/** The Chat input's Stop button (shown while a request runs; VS Code labels it Cancel). */
export function stopButton(page: Page): Locator {
  return chatView(page).locator('.chat-input-toolbars a.codicon-stop-circle');
}

/** Clicks the Chat view's Stop as soon as it shows (clickNow: no actionability checks). */
export async function pressStop(page: Page): Promise<void> {
  await clickNow(page, stopButton(page), 'the Stop button');
}

/** Opens the input's model picker and returns the labels of the rows it offers. */
export async function openModelPicker(page: Page): Promise<string[]> {
  await chatView(page).locator('.chat-input-toolbars a.model-picker-name').click();
  const rows = page.locator('.action-widget .monaco-list-row');
  await rows.first().waitFor();
  return rows.evaluateAll((els) =>
    els.map((e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim()),
  );
}

/** Picks the row whose label starts with `name` in the open model picker; returns the picker's new label. */
export async function pickModel(page: Page, name: string): Promise<string> {
  await page.locator(`.action-widget .monaco-list-row[aria-label^="${name}"]`).first().click();
  const label = chatView(page).locator('.chat-input-toolbars a.model-picker-name');
  await until(
    async () => ((await label.getAttribute('aria-label')) ?? '').includes(name),
    `the model picker shows ${name}`,
    10_000,
  );
  return (await label.getAttribute('aria-label')) ?? '';
}
