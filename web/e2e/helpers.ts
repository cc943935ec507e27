import { expect, type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';

export interface Person { context: BrowserContext; page: Page; id: number; username: string; displayName: string; token: string }

const password = 'password123';

/** A person with their own browser (context), registered through the API so the context holds the refresh cookie. */
export async function person(browser: Browser, username: string, displayName: string): Promise<Person> {
  const context = await browser.newContext();
  const response = await context.request.post('/auth/register', { data: { username, email: `${username}@example.com`, password, displayName } });
  expect(response.status(), await response.text()).toBe(201);
  const body = await response.json();
  const page = await context.newPage();
  await page.goto('/app/');
  await expect(page.getByRole('link', { name: 'Your profile' })).toBeVisible();
  return { context, page, id: body.user.id, username, displayName, token: body.accessToken };
}

/** Makes two people friends through the API (the UI path is covered by its own test). */
export async function befriend(a: Person, b: Person) {
  const request = await a.context.request.post('/friends/request', { data: { toUserId: b.id }, headers: { Authorization: `Bearer ${a.token}` } });
  expect(request.status()).toBe(201);
  const { id } = await request.json();
  const response = await b.context.request.post('/friends/response', { data: { requestId: id, accept: true }, headers: { Authorization: `Bearer ${b.token}` } });
  expect(response.status()).toBe(200);
}

export async function openChat(p: Person, name: string) {
  await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Chats/ }).click();
  await p.page.getByRole('link', { name: new RegExp(`^${name}`) }).click();
}

export async function openFriendChat(p: Person, friend: Person) {
  await p.page.goto(`/app/c/u/${friend.id}`);
  await expect(p.page.getByRole('heading', { name: friend.displayName })).toBeVisible();
}

export async function send(p: Person, text: string) {
  const box = p.page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** The message whose own text (not a quote of it in a reply) contains `text`. */
export const messageBy = (page: Page, text: string) =>
  page.getByTestId('message').filter({ has: page.getByTestId('message-body').filter({ hasText: text }) });

/** Each test leaves a picture of its final screen in its output folder; some are also kept in docs/screenshots. */
export async function finalScreenshot(testInfo: TestInfo, page: Page, name = 'final') {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

export const docsScreenshot = async (page: Page, file: string) => {
  if (process.env.MESSENGER_DOCS_SCREENSHOTS) await page.screenshot({ path: `${process.env.MESSENGER_DOCS_SCREENSHOTS}/${file}` });
};

// A 48x32 PNG (a blue and yellow checkerboard) for the image message.
export const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAADAAAAAgCAIAAADbtmxLAAAAS0lEQVR4nO3OMQ0AIBBD0RODFlYkowYVLBi4jqRDf9LxJ3215ml392j3uy9AgADFgVzHqgcECFAeyHWsekCAAOWBXMeqBwQIUBzoAakSCJcQRVKsAAAAAElFTkSuQmCC',
  'base64');
