/** `switchboard/chat-client`: the chat client SDK (browser, Node, React Native; on pusher-js). */
export { ChatClient, type ChatClientOptions } from './chat-client.js';
export { ChatApi, ChatApiError } from './chat-api.js';
export { RoomSubscription, type RoomHooks, type RoomOptions } from './room-subscription.js';
export type { MemberRoom, Message, MessagePage, MessagePart, Room } from './types.js';
