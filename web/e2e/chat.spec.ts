import { expect, test } from '@playwright/test';
import { befriend, docsScreenshot, finalScreenshot, messageBy, openFriendChat, person, png, send } from './helpers';

test('alice and bob become friends and chat live with typing, presence, seen, edits, deletes and an image', async ({ browser }, testInfo) => {
  const alice = await person(browser, 'alice', 'Alice');
  const bob = await person(browser, 'bob', 'Bob');

  // alice finds bob and asks; the request shows up for bob without reloading.
  await alice.page.getByRole('link', { name: 'Friends' }).click();
  await alice.page.getByLabel('Find people').fill('bob');
  await alice.page.getByTestId('person-bob').getByRole('button', { name: 'Add friend' }).click();
  await expect(alice.page.getByRole('list', { name: 'Outgoing requests' })).toContainText('Bob');
  await expect(bob.page.getByTestId('requests-badge')).toHaveText('1');
  await bob.page.getByRole('link', { name: /^Friends/ }).click();
  await bob.page.getByRole('list', { name: 'Incoming requests' }).getByRole('button', { name: 'Accept' }).click();
  await expect(alice.page.getByRole('list', { name: 'Friends' })).toContainText('Bob');

  // alice writes; bob's inbox shows it unread, live; when bob reads it, alice sees "Seen".
  await alice.page.getByRole('list', { name: 'Friends' }).getByRole('link', { name: 'Message' }).click();
  await expect(alice.page.getByTestId('conversation-status')).toHaveText('online');
  await send(alice, 'Hi Bob');
  await expect(messageBy(alice.page, 'Hi Bob').getByTestId('message-status')).toHaveText('✓ Sent');
  await expect(bob.page.getByRole('link', { name: 'Alice, 1 unread' })).toBeVisible();
  await bob.page.getByRole('link', { name: 'Alice, 1 unread' }).click();
  await expect(messageBy(bob.page, 'Hi Bob')).toBeVisible();
  await expect(messageBy(alice.page, 'Hi Bob').getByTestId('message-status')).toHaveText('Seen');

  // bob types (alice sees it) and answers.
  await bob.page.getByRole('textbox', { name: 'Message', exact: true }).pressSequentially('Hello Al');
  await expect(alice.page.getByTestId('conversation-status')).toHaveText('Bob is typing…');
  await bob.page.getByRole('textbox', { name: 'Message', exact: true }).pressSequentially('ice');
  await bob.page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  await expect(messageBy(alice.page, 'Hello Alice')).toBeVisible();
  await expect(alice.page.getByTestId('conversation-status')).toHaveText('online');

  // alice edits her message and deletes another; bob sees both.
  await messageBy(alice.page, 'Hi Bob').hover();
  await messageBy(alice.page, 'Hi Bob').getByRole('button', { name: 'Edit' }).click();
  await alice.page.getByRole('textbox', { name: 'Edit message' }).fill('Hi Bob, how are you?');
  await alice.page.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  await expect(messageBy(bob.page, 'Hi Bob, how are you?')).toContainText('edited');
  await send(alice, 'Wrong chat, sorry');
  await expect(messageBy(bob.page, 'Wrong chat, sorry')).toBeVisible();
  alice.page.once('dialog', (d) => void d.accept());
  await messageBy(alice.page, 'Wrong chat, sorry').hover();
  await messageBy(alice.page, 'Wrong chat, sorry').getByRole('button', { name: 'Delete' }).click();
  await expect(bob.page.getByTestId('message').filter({ hasText: 'Message deleted' })).toHaveCount(1);
  await expect(messageBy(bob.page, 'Wrong chat, sorry')).toHaveCount(0);

  // An image with its upload; bob sees the preview inline.
  await alice.page.getByTestId('file-input').setInputFiles({ name: 'checks.png', mimeType: 'image/png', buffer: png });
  await expect(alice.page.getByRole('button', { name: 'Send' })).toBeEnabled();
  await alice.page.getByRole('button', { name: 'Send' }).click();
  await expect(bob.page.getByTestId('attachment-image')).toHaveAttribute('alt', 'checks.png');
  await expect.poll(() => bob.page.getByTestId('attachment-image').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(48);

  await finalScreenshot(testInfo, bob.page);
  await alice.context.close();
  await bob.context.close();
});

test('a reply and reactions are seen on both sides', async ({ browser }, testInfo) => {
  const alice = await person(browser, 'carol', 'Carol');
  const bob = await person(browser, 'dave', 'Dave');
  await befriend(alice, bob);
  await openFriendChat(alice, bob);
  await openFriendChat(bob, alice);
  await send(alice, 'Lunch at noon? I found a place with a view.');
  await expect(messageBy(bob.page, 'Lunch at noon?')).toBeVisible();
  await alice.page.getByTestId('file-input').setInputFiles({ name: 'view.png', mimeType: 'image/png', buffer: png });
  await alice.page.getByRole('button', { name: 'Send' }).click();
  await expect(bob.page.getByTestId('attachment-image')).toBeVisible();

  // bob replies to the question; both see the quote.
  await messageBy(bob.page, 'Lunch at noon?').hover();
  await messageBy(bob.page, 'Lunch at noon?').getByRole('button', { name: 'Reply' }).click();
  await expect(bob.page.getByTestId('replying')).toContainText('Replying to Carol');
  await send(bob, 'Yes! See you there');
  await expect(messageBy(alice.page, 'Yes! See you there').getByTestId('reply-quote')).toContainText('Lunch at noon?');
  await expect(messageBy(bob.page, 'Yes! See you there').getByTestId('reply-quote')).toContainText('Carol');

  // Reactions from both; counts agree on both sides.
  await messageBy(alice.page, 'Yes! See you there').hover();
  await messageBy(alice.page, 'Yes! See you there').getByRole('button', { name: 'React', exact: true }).click();
  await alice.page.getByRole('menuitem', { name: 'React 👍' }).click();
  await expect(messageBy(bob.page, 'Yes! See you there').getByTestId('reaction')).toHaveText('👍 1');
  await messageBy(bob.page, 'Yes! See you there').getByTestId('reaction').click();
  await expect(messageBy(alice.page, 'Yes! See you there').getByTestId('reaction')).toHaveText('👍 2');
  await messageBy(bob.page, 'Lunch at noon?').hover();
  await messageBy(bob.page, 'Lunch at noon?').getByRole('button', { name: 'React', exact: true }).click();
  await bob.page.getByRole('menuitem', { name: 'React 🎉' }).click();
  await expect(messageBy(alice.page, 'Lunch at noon?').getByTestId('reaction')).toHaveText('🎉 1');

  await alice.page.mouse.move(0, 0);
  await docsScreenshot(alice.page, 'conversation.png');
  await finalScreenshot(testInfo, alice.page);
  await alice.context.close();
  await bob.context.close();
});

test('a private room: alice invites bob, bob accepts live, they chat there, and bob finds her messages by search', async ({ browser }, testInfo) => {
  const alice = await person(browser, 'erin', 'Erin');
  const bob = await person(browser, 'frank', 'Frank');
  await befriend(alice, bob);

  await alice.page.getByRole('link', { name: 'Rooms' }).click();
  await alice.page.getByLabel('Name').fill('Weekend trip');
  await alice.page.getByLabel('Description').fill('Plans for Saturday');
  await alice.page.getByLabel('Private (invite only)').check();
  await alice.page.getByRole('button', { name: 'Create room' }).click();
  await expect(alice.page.getByRole('heading', { name: 'Weekend trip' })).toBeVisible();
  await alice.page.getByRole('button', { name: 'Members' }).click();
  await alice.page.getByLabel('Invite a friend').selectOption({ label: 'Frank (@frank)' });
  await alice.page.getByRole('button', { name: 'Invite', exact: true }).click();
  await expect(alice.page.getByRole('status')).toHaveText('Invited Frank.');

  await expect(bob.page.getByTestId('invites-badge')).toHaveText('1');
  await bob.page.getByRole('link', { name: /^Rooms/ }).click();
  await bob.page.getByRole('list', { name: 'Invitations' }).getByRole('button', { name: 'Accept' }).click();
  await expect(bob.page.getByRole('heading', { name: 'Weekend trip' })).toBeVisible();
  await expect(alice.page.getByRole('complementary', { name: 'Room members' })).toContainText('Frank');

  await send(bob, 'Count me in!');
  await expect(messageBy(alice.page, 'Count me in!')).toBeVisible();
  await send(alice, 'Great, bring boots');
  await expect(messageBy(bob.page, 'Great, bring boots')).toBeVisible();

  // bob steps away; two conversations collect unread messages in his inbox.
  await bob.page.getByRole('link', { name: 'Friends' }).click();
  await send(alice, 'We leave at 8, coffee at the Café first');
  await openFriendChat(alice, bob);
  await send(alice, 'Also, can you bring the map?');
  await send(alice, 'And snacks from the café');
  await bob.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Chats/ }).click();
  await expect(bob.page.getByRole('link', { name: 'Erin, 2 unread' })).toBeVisible();
  await expect(bob.page.getByRole('link', { name: 'Weekend trip, 1 unread' })).toBeVisible();
  await docsScreenshot(bob.page, 'inbox.png');

  // bob searches. A query of only a stop word and a short word is refused in the API's words at the
  // field; "CAFE" finds "Café" in the room and "café" in the direct conversation, newest first.
  await bob.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click();
  const box = bob.page.getByRole('searchbox', { name: 'Search messages' });
  await box.fill('the at');
  await box.press('Enter');
  await expect(box).toHaveAttribute('aria-invalid', 'true');
  await expect(bob.page.locator('#search-query-error')).toContainText('has no word to search for');
  await box.fill('CAFE');
  await box.press('Enter');
  const results = bob.page.getByRole('list', { name: 'Results' }).getByRole('link');
  await expect(results).toHaveCount(2);
  await expect(box).not.toHaveAttribute('aria-invalid');
  await expect(results.nth(0)).toContainText('Erin');
  await expect(results.nth(0)).toContainText('And snacks from the café');
  await expect(results.nth(1)).toContainText('Weekend trip');
  await expect(results.nth(1)).toContainText('coffee at the Café first');
  // A result opens its conversation at that message.
  await results.nth(1).click();
  await expect(bob.page.getByRole('heading', { name: 'Weekend trip' })).toBeVisible();
  await expect(messageBy(bob.page, 'coffee at the Café first')).toHaveClass(/highlighted/);
  await expect(messageBy(bob.page, 'coffee at the Café first')).toBeInViewport();
  await finalScreenshot(testInfo, bob.page);
  await alice.context.close();
  await bob.context.close();
});

test('alice blocks bob from the Friends page; his request is refused until she unblocks him', async ({ browser }, testInfo) => {
  const alice = await person(browser, 'oscar', 'Oscar');
  const bob = await person(browser, 'peggy', 'Peggy');
  await befriend(alice, bob);
  await openFriendChat(bob, alice);
  await send(bob, 'Are we still on for Friday?');
  await expect(messageBy(bob.page, 'Are we still on for Friday?').getByTestId('message-status')).toHaveText('✓ Sent');
  await expect(bob.page.getByTestId('conversation-status')).toHaveText('online');
  const herPresenceInInbox = bob.page.getByRole('link', { name: /^Oscar/ }).locator('.presence.on');
  await expect(herPresenceInInbox).toHaveCount(1);

  // alice blocks bob: the friendship ends live on both sides (her list, his composer).
  await alice.page.getByRole('link', { name: 'Friends' }).click();
  await expect(alice.page.getByRole('list', { name: 'Friends' })).toContainText('Peggy');
  alice.page.once('dialog', (d) => void d.accept());
  await alice.page.getByRole('list', { name: 'Friends' }).getByRole('button', { name: 'Block' }).click();
  await expect(alice.page.getByRole('list', { name: 'Blocked users' })).toContainText('Peggy');
  await expect(alice.page.getByRole('list', { name: 'Friends' })).not.toContainText('Peggy');
  await expect(bob.page.getByRole('textbox', { name: 'Message', exact: true })).toHaveCount(0);
  await expect(bob.page.getByText('You can message Oscar again once you are friends.')).toBeVisible();
  // Presence comes from friends only: no stale "online" for her now, in the header or the inbox.
  await expect(bob.page.getByTestId('conversation-status')).toHaveText('');
  await expect(herPresenceInInbox).toHaveCount(0);
  // His history stays; asking again is refused in the API's words.
  await expect(messageBy(bob.page, 'Are we still on for Friday?')).toBeVisible();
  await bob.page.getByRole('button', { name: 'Add friend' }).click();
  await expect(bob.page.getByRole('alert')).toHaveText(`friend requests between you and user ${alice.id} are blocked`);

  // alice unblocks; bob asks again and she sees the request live.
  await alice.page.getByRole('list', { name: 'Blocked users' }).getByRole('button', { name: 'Unblock' }).click();
  await expect(alice.page.getByRole('list', { name: 'Blocked users' })).toHaveCount(0);
  await bob.page.getByRole('button', { name: 'Add friend' }).click();
  await expect(bob.page.getByText('Friend request sent.')).toBeVisible();
  await expect(alice.page.getByTestId('requests-badge')).toHaveText('1');
  await expect(alice.page.getByRole('list', { name: 'Incoming requests' })).toContainText('Peggy');
  await finalScreenshot(testInfo, alice.page);
  await alice.context.close();
  await bob.context.close();
});
