/**
 * The soundboard: a press plays the pad's tone here and sends a client event on the room's
 * presence channel; every other page plays it and lights the pad with the presser's name. The
 * presence channel's members are the list of who is in the room: a closed tab drops its
 * connection, and Switchboard sends member_removed to the others at once.
 *
 * Press-to-sound latency (the press on one page to the tone starting on another, both on this
 * machine's clock) is kept on `window.soundLatencies` for the tests, and shown.
 */
import type { Channel, PresenceChannel } from 'pusher-js';
import { byId, connect, loadConfig, randomId, roomName, showConnectionState } from '../../shared/page/connect.js';
import { playTone } from './tone.js';

const PADS = 16;
const LIT_MS = 300;

/** `client-press` */
interface Press {
  readonly pad: number;
  /** When it was pressed, Date.now()'s clock. */
  readonly at: number;
}

interface Member {
  readonly id: string;
  readonly info: { readonly name: string };
}

const form = byId('join', HTMLFormElement);
const nameInput = byId('name', HTMLInputElement);
const board = byId('board', HTMLDivElement);
const padsElement = byId('pads', HTMLDivElement);
const membersElement = byId('members', HTMLUListElement);
const figures = byId('figures', HTMLParagraphElement);

const soundLatencies: number[] = [];
Reflect.set(window, 'soundLatencies', soundLatencies);

/** This tab's user id, kept across reloads of the tab (sessionStorage), as a signed-in session would. */
function userId(): string {
  const stored = sessionStorage.getItem('soundboard-user');
  if (stored !== null) return stored;
  const created = randomId();
  sessionStorage.setItem('soundboard-user', created);
  return created;
}

nameInput.value = localStorage.getItem('soundboard-name') ?? '';

const pads = Array.from({ length: PADS }, (_, pad) => {
  const button = document.createElement('button');
  button.className = 'pad';
  button.dataset['pad'] = String(pad);
  button.style.setProperty('--hue', String((pad * 360) / PADS));
  button.innerHTML = `${pad + 1}<small></small>`;
  padsElement.append(button);
  return button;
});

const litTimers = new Map<number, ReturnType<typeof setTimeout>>();
function light(pad: number, by: string): void {
  const button = pads[pad];
  if (button === undefined) return;
  button.classList.add('lit');
  const label = button.querySelector('small');
  if (label !== null) label.textContent = by;
  clearTimeout(litTimers.get(pad));
  litTimers.set(pad, setTimeout(() => button.classList.remove('lit'), LIT_MS));
}

/** pusher-js makes a PresenceChannel for a presence- name; its type is not in subscribe's signature. */
function isPresenceChannel(channel: Channel): channel is PresenceChannel {
  return 'members' in channel;
}

function showMembers(channel: PresenceChannel, me: string): void {
  const items: HTMLLIElement[] = [];
  channel.members.each((member: Member) => {
    const item = document.createElement('li');
    item.dataset['user'] = member.id;
    item.textContent = member.id === me ? `${member.info.name} (you)` : member.info.name;
    items.push(item);
  });
  membersElement.replaceChildren(...items);
}

async function join(name: string): Promise<void> {
  // Created in the click that joins: browsers start audio only after a gesture on the page.
  const audio = new AudioContext({ latencyHint: 'interactive' });
  const me = userId();
  localStorage.setItem('soundboard-name', name);
  const pusher = connect(await loadConfig(), { user_id: me, name });
  const channel = pusher.subscribe(`presence-soundboard-${roomName()}`);
  if (!isPresenceChannel(channel)) throw new Error('pusher-js did not make a presence channel');
  showConnectionState(pusher, channel, byId('status', HTMLDivElement));
  form.hidden = true;
  board.hidden = false;

  const refresh = (): void => showMembers(channel, me);
  channel.bind('pusher:subscription_succeeded', refresh);
  channel.bind('pusher:member_added', refresh);
  channel.bind('pusher:member_removed', refresh);

  for (const [pad, button] of pads.entries()) {
    button.addEventListener('pointerdown', (event) => {
      playTone(audio, pad);
      light(pad, 'you');
      // When the finger went down (the event's timeStamp is on performance.now()'s clock).
      const at = Date.now() - (performance.now() - event.timeStamp);
      if (channel.subscribed) channel.trigger('client-press', { pad, at } satisfies Press);
    });
  }

  channel.bind('client-press', (press: Press, metadata?: { user_id?: string }) => {
    if (!Number.isInteger(press.pad) || press.pad < 0 || press.pad >= PADS) return;
    playTone(audio, press.pad);
    const latency = Math.round(Date.now() - press.at);
    soundLatencies.push(latency);
    const member: unknown = metadata?.user_id === undefined ? undefined : channel.members.get(metadata.user_id);
    const by = (member as Member | undefined)?.info.name ?? 'someone';
    light(press.pad, by);
    const outputMs = Math.round((audio.baseLatency + audio.outputLatency) * 1000);
    figures.textContent = `${by} pressed pad ${press.pad + 1}: ${latency} ms from their press to the tone starting here (plus ${outputMs} ms in this device's audio output).`;
  });
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (name.length === 0) return;
  join(name).catch((error: unknown) => {
    figures.textContent = `Could not join: ${error instanceof Error ? error.message : String(error)}`;
  });
});
