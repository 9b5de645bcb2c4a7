/**
 * The Temporal Web UI's start-workflow form as a person uses it (headless Chromium, test/support/browser.ts):
 * the prefilled link the README and `hardenlab dev` print, a workflow id, the JSON input typed into the
 * Data editor as json/plain, then Start Workflow.
 */
import type { Page } from 'playwright-core';
import { startLink } from '../../src/cli/commands/shared';

export interface StartForm {
  uiUrl: string;
  taskQueue: string;
  workflowId: string;
  /** The JSON text typed into the Data editor, exactly. */
  input: string;
  /** Called with the filled form, before Start Workflow is pressed (for a screenshot). */
  beforeStart?: (page: Page) => Promise<unknown>;
}

export async function startFromForm(page: Page, form: StartForm): Promise<void> {
  // The link the README and `hardenlab dev` print: workflow type and task queue come prefilled.
  await page.goto(startLink(form.uiUrl, form.taskQueue), { waitUntil: 'networkidle' });
  expect(await page.getByTestId('workflowType').inputValue()).toBe('securityExperiment');
  expect(await page.getByTestId('taskQueue').inputValue()).toBe(form.taskQueue);
  await page.getByTestId('workflowId').fill(form.workflowId);
  // The input is a CodeMirror editor; insertText avoids its bracket auto-closing on typed keys.
  const data = page.getByRole('textbox', { name: 'Data' });
  await data.click();
  await page.keyboard.insertText(form.input);
  await page.locator('input[name="encoding"][value="json/plain"]').check();
  // Leaving the editor reformats the JSON and moves the button: blur first, then press it.
  await page.getByRole('heading', { name: 'Start Workflow' }).click();
  await form.beforeStart?.(page);
  await page.getByTestId('start-workflow-button').click();
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
