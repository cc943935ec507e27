import { expect, test } from '@playwright/test';
import { befriend, finalScreenshot, messageBy, openFriendChat, person, send } from './helpers';

test('bob goes offline while alice sends, edits and deletes; back online he sees exactly the final state', async ({ browser }, testInfo) => {
  const alice = await person(browser, 'judy', 'Judy');
  const bob = await person(browser, 'mallory', 'Mallory');
  await befriend(alice, bob);
  await openFriendChat(alice, bob);
  await openFriendChat(bob, alice);
  await send(alice, 'Before the tunnel');
  await expect(messageBy(bob.page, 'Before the tunnel')).toBeVisible();

  await bob.context.setOffline(true);
  await expect(bob.page.getByTestId('offline-banner')).toBeVisible();
  // bob writes while offline: queued, sent once when he is back.
  await send(bob, 'Written in the tunnel');
  await expect(bob.page.getByTestId('pending-message')).toContainText('Waiting for connection');

  await send(alice, 'First while you were away');
  await send(alice, 'Second, to be edited');
  await send(alice, 'Third, to be deleted');
  await messageBy(alice.page, 'Second, to be edited').hover();
  await messageBy(alice.page, 'Second, to be edited').getByRole('button', { name: 'Edit' }).click();
  await alice.page.getByRole('textbox', { name: 'Edit message' }).fill('Second, edited');
  await alice.page.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  alice.page.once('dialog', (d) => void d.accept());
  await messageBy(alice.page, 'Third, to be deleted').hover();
  await messageBy(alice.page, 'Third, to be deleted').getByRole('button', { name: 'Delete' }).click();
  await messageBy(alice.page, 'Before the tunnel').hover();
  await messageBy(alice.page, 'Before the tunnel').getByRole('button', { name: 'Edit' }).click();
  await alice.page.getByRole('textbox', { name: 'Edit message' }).fill('Before the tunnel (edited)');
  await alice.page.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  await expect(alice.page.getByTestId('message').filter({ hasText: 'Message deleted' })).toHaveCount(1);

  await bob.context.setOffline(false);
  await expect(bob.page.getByTestId('offline-banner')).toHaveCount(0);
  const bodies = bob.page.getByTestId('message');
  await expect(bodies).toHaveText([
    /Before the tunnel \(edited\)/, /First while you were away/, /Second, edited/, /Message deleted/, /Written in the tunnel/,
  ]);
  await expect(bob.page.getByTestId('pending-message')).toHaveCount(0);
  await expect(alice.page.getByTestId('message').filter({ hasText: 'Written in the tunnel' })).toHaveCount(1);
  await bob.page.reload();
  await expect(bob.page.getByTestId('message')).toHaveText([
    /Before the tunnel \(edited\)/, /First while you were away/, /Second, edited/, /Message deleted/, /Written in the tunnel/,
  ]);
  await finalScreenshot(testInfo, bob.page);
  await alice.context.close();
  await bob.context.close();
});

test('a connection that dies without a word shows the offline banner within 15 s, and clears it once back', async ({ browser }, testInfo) => {
  const alice = await person(browser, 'niaj', 'Niaj');
  // Every hub socket through a relay the test can silence: no close, no error, nothing arrives
  // either way, as when a network dies under a phone. The browser still believes it is online.
  let silent = false;
  let answered!: () => void;
  const connected = new Promise<void>((resolve) => { answered = resolve; });
  await alice.context.routeWebSocket(/\/hubs\/chat/, (ws) => {
    // While the network is down, a new socket is refused (rather than left hanging for its own timeout).
    if (silent) return void ws.close();
    const server = ws.connectToServer();
    ws.onMessage((m) => { if (!silent) server.send(m); });
    server.onMessage((m) => { if (!silent) { ws.send(m); answered(); } });
  });
  await alice.page.reload();
  await expect(alice.page.getByRole('link', { name: 'Your profile' })).toBeVisible();
  await connected;

  silent = true;
  const died = Date.now();
  await expect(alice.page.getByTestId('offline-banner')).toBeVisible({ timeout: 20_000 });
  const noticedAfter = Date.now() - died;
  // The server pings every 5 s and the client gives up after 15 s of silence: between 10 and 15 s.
  expect(noticedAfter).toBeGreaterThan(8_000);
  expect(noticedAfter).toBeLessThan(16_500);

  silent = false;
  await expect(alice.page.getByTestId('offline-banner')).toHaveCount(0, { timeout: 15_000 });
  await finalScreenshot(testInfo, alice.page);
  await alice.context.close();
});
