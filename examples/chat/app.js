/* global document, window, fetch, URLSearchParams */
/**
 * The chat example page: one room ("lobby") with the chat client SDK on pusher-js's web build
 * (loaded as window.Pusher). `window.chatState` lets the browser test read what the page shows.
 */
import { ChatClient } from '/sdk/index.js';

const ROOM = 'lobby';
const user = new URLSearchParams(window.location.search).get('user') ?? 'alice';
const config = await (await fetch('/config.json')).json();
const state = { ready: false, messages: [], typing: [], online: [] };
window.chatState = state;

const chat = new ChatClient({
  Pusher: window.Pusher,
  url: config.url,
  appId: config.appId,
  key: config.key,
  tokenProvider: async () => (await (await fetch(`/token?user=${encodeURIComponent(user)}`)).json()).token,
});

const list = document.getElementById('messages');
const typing = document.getElementById('typing');
document.getElementById('me').textContent = `as ${user}`;
let typingTimer;

chat.subscribe(ROOM, {
  onMessage: (message) => {
    const content = message.parts.map((part) => part.content ?? part.url ?? '').join(' ');
    state.messages.push({ id: message.id, sender: message.sender_id, content });
    const item = document.createElement('li');
    const sender = document.createElement('span');
    sender.className = 'sender';
    sender.textContent = message.sender_id;
    item.append(sender, document.createTextNode(content));
    list.append(item);
    void chat.setReadCursor(ROOM, message.id);
  },
  onTyping: ({ user_id }) => {
    if (user_id === user) return;
    state.typing.push(user_id);
    typing.textContent = `${user_id} is typing…`;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => (typing.textContent = ''), 3000);
  },
  onPresence: (online) => {
    state.online = [...online].sort();
    state.ready = true;
    document.getElementById('online').textContent = state.online.join(', ');
  },
});

const input = document.getElementById('text');
input.addEventListener('input', () => void chat.isTyping(ROOM));
document.getElementById('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (text === '') return;
  input.value = '';
  void chat.sendText(ROOM, text);
});
