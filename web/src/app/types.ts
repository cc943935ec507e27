// The shapes of docs/API.md, as the client reads them.
export interface UserSummary { id: number; username: string; displayName: string; avatarUrl: string | null }
export interface MeProfile {
  id: number; username: string; email: string; displayName: string; bio: string; avatarUrl: string | null;
  notificationsEnabled: boolean; visibility: 'public' | 'friends'; createdAt: string;
}
export type Friendship = 'self' | 'none' | 'friends' | 'requestSent' | 'requestReceived' | 'blocked';
export interface UserProfile {
  id: number; username: string; displayName: string; bio: string | null; avatarUrl: string | null; createdAt: string; friendship: Friendship;
}
export interface AuthResponse {
  accessToken: string; accessTokenExpiresAt: string; refreshToken: string; refreshTokenExpiresAt: string; user: MeProfile;
}
export interface Friend { user: UserSummary; since: string; online: boolean }
export interface FriendRequest {
  id: number; from: UserSummary; to: UserSummary; status: 'pending' | 'accepted' | 'rejected' | 'cancelled'; createdAt: string; respondedAt: string | null;
}
export interface FileInfo { id: number; ownerId: number; fileName: string; contentType: string; size: number; createdAt: string; updatedAt: string; url: string }
export interface Reaction { emoji: string; count: number; userIds: number[] }
export interface ReplyTo { id: number; senderId: number; body: string; deletedAt: string | null }
export interface Message {
  id: number; roomId: number | null; senderId: number; recipientId: number | null; body: string; attachments: FileInfo[];
  clientMessageId: string | null; createdAt: string; editedAt: string | null; deletedAt: string | null; version: number;
  replyTo?: ReplyTo | null; reactions?: Reaction[];
}
export interface Room {
  id: number; name: string; description: string; isPrivate: boolean; ownerId: number; participantCount: number; createdAt: string;
  myRole: 'owner' | 'member' | null;
}
export interface Participant { user: UserSummary; role: 'owner' | 'member'; joinedAt: string }
export interface Invite {
  id: number; room: { id: number; name: string; isPrivate: boolean }; inviter: UserSummary; invitee: UserSummary;
  status: 'pending' | 'accepted' | 'rejected'; createdAt: string; respondedAt: string | null;
}
export interface MessagePage { items: Message[]; hasMore: boolean; version: number }
export interface Conversation {
  roomId: number | null; user: UserSummary | null; name: string; version: number; lastMessage: Message | null;
  unreadCount: number; lastReadMessageId: number | null; otherLastReadMessageId: number | null; lastActivityAt: string;
}
export interface SearchPage { items: Message[]; hasMore: boolean }
export interface Problem { type?: string; title?: string; status?: number; detail?: string; errors?: Record<string, string[]> }

// Socket event payloads.
export interface MessageDeletedEvent { messageId: number; roomId: number | null; senderId: number; recipientId: number | null; version: number }
export interface ReactionChangedEvent {
  messageId: number; roomId: number | null; senderId: number; recipientId: number | null; emoji: string; userId: number; added: boolean; count: number; version: number;
}
export interface ConversationReadEvent { roomId: number | null; userId: number; messageId: number }
export interface TypingEvent { roomId: number | null; userId: number }
export interface PresenceChangedEvent { userId: number; online: boolean }
export interface ParticipantJoinedEvent { roomId: number; user: UserSummary }
export interface ParticipantLeftEvent { roomId: number; userId: number }

/** A conversation's key in the store: "r:<roomId>" for a room, "u:<otherUserId>" for a direct one. */
export type ConversationKey = `r:${number}` | `u:${number}`;
export const roomKey = (roomId: number): ConversationKey => `r:${roomId}`;
export const userKey = (userId: number): ConversationKey => `u:${userId}`;
/** The conversation a message belongs to, seen from `me`. */
export const messageKey = (m: { roomId: number | null; senderId: number; recipientId: number | null }, me: number): ConversationKey =>
  m.roomId != null ? roomKey(m.roomId) : userKey(m.senderId === me ? m.recipientId! : m.senderId);
export const conversationKey = (c: Pick<Conversation, 'roomId' | 'user'>): ConversationKey =>
  c.roomId != null ? roomKey(c.roomId) : userKey(c.user!.id);
