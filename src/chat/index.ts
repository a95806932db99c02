/** `switchboard/chat`: what an app backend needs (minting user tokens; the documented scheme is in chat-token.ts). */
export { createChatToken, verifyChatToken, type ChatTokenRequest, type ChatTokenCheck } from './chat-token.js';
export type { ChatHooks, OfflineMessage } from './chat-realtime.js';
