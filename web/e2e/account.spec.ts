import { expect, test } from '@playwright/test';
import { befriend, finalScreenshot, messageBy, openFriendChat, person, send } from './helpers';

test('someone registers in the form, stays signed in across a reload and two tabs whose refresh timers fire together, and signs out', async ({ browser }, testInfo) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/app/');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill('x');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  // The API's field errors show at their fields.
  await expect(page.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Username').fill('grace');
  await page.getByLabel('Email').fill('grace@example.com');
  await page.getByLabel('Display name (optional)').fill('Grace Hopper');
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('link', { name: 'Your profile' })).toContainText('Grace Hopper');

  await page.reload();
  await expect(page.getByRole('link', { name: 'Your profile' })).toContainText('Grace Hopper');

  // A second tab. Its start-up refresh hands the new token to the first tab, so both tabs' timers
  // fire at the same moment, half way through the token's life (the e2e service issues 1-minute
  // tokens). The server revokes a session whose refresh token is used twice: without the cross-tab
  // lock, both tabs would refresh with one cookie and both be signed out.
  const refreshes: number[] = [];
  context.on('response', (r) => { if (r.url().endsWith('/auth/refresh')) refreshes.push(r.status()); });
  const second = await context.newPage();
  await second.goto('/app/friends');
  await expect(second.getByRole('heading', { name: 'Friends', exact: true })).toBeVisible();
  await expect.poll(() => refreshes.length).toBe(1);
  await expect.poll(() => refreshes.length, { timeout: 40_000 }).toBeGreaterThan(1);
  // The other tab takes the lock next and finds the new token (or refreshes with the new cookie);
  // give it that moment, so a reload does not cut off a refresh the server has already answered.
  await page.waitForTimeout(1_000);
  await expect(page.getByRole('link', { name: 'Your profile' })).toBeVisible();
  await expect(second.getByRole('heading', { name: 'Friends', exact: true })).toBeVisible();
  await page.reload();
  await second.reload();
  await expect(page.getByRole('link', { name: 'Your profile' })).toBeVisible();
  await expect(second.getByRole('heading', { name: 'Friends', exact: true })).toBeVisible();
  expect(refreshes.every((status) => status === 200), `refresh answers: ${refreshes}`).toBe(true);

  // Sign out ends the session in every tab; a reload stays signed out.
  await page.getByRole('link', { name: 'Your profile' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(second.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  // Signing in with the email works too; a wrong password says so.
  await page.getByLabel('Username or email').fill('grace@example.com');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('link', { name: 'Your profile' })).toBeVisible();
  await finalScreenshot(testInfo, page);
  await context.close();
});

test("alice's second tab clears its unread badge when the first one reads", async ({ browser }, testInfo) => {
  const alice = await person(browser, 'heidi', 'Heidi');
  const bob = await person(browser, 'ivan', 'Ivan');
  await befriend(alice, bob);
  // The second tab is a phone-sized window: the inbox alone, full width.
  const tab2 = await alice.context.newPage();
  await tab2.setViewportSize({ width: 360, height: 740 });
  await tab2.goto('/app/');
  await openFriendChat(bob, alice);
  await send(bob, 'Are you there?');
  await send(bob, 'Ping');
  await expect(alice.page.getByRole('link', { name: 'Ivan, 2 unread' })).toBeVisible();
  await expect(tab2.getByRole('link', { name: 'Ivan, 2 unread' })).toBeVisible();
  await alice.page.getByRole('link', { name: 'Ivan, 2 unread' }).click();
  await expect(messageBy(alice.page, 'Ping')).toBeVisible();
  await expect(tab2.getByRole('link', { name: 'Ivan', exact: true })).toBeVisible();
  await expect(tab2.getByTestId('unread-badge')).toHaveCount(0);
  await finalScreenshot(testInfo, tab2);
  await alice.context.close();
  await bob.context.close();
});
