/**
 * The phone: the touch pad's position and the buttons, sent as client events. Every position the
 * touch screen reports is an input, sent at once while the send budget allows (90 per second,
 * bursts of 10: under the app's limit of 100 client events per second here); past it, as on a
 * 120 Hz touch screen, positions are coalesced (the latest wins) and sent as soon as the budget
 * allows. A browser whose page was busy hands over several positions in one event
 * (getCoalescedEvents): each is still sent, with the time it happened.
 */
import { byId, connect, loadConfig, roomName, showConnectionState } from '../../shared/page/connect.js';
import { CHANNEL_PREFIX, epochOf, type ButtonEvent, type InputEvent } from './messages.js';
import { SendBudget } from './send-budget.js';

const budget = new SendBudget(90, 10);
const RATE_LIMIT_CODE = 4301;

const pad = byId('pad', HTMLDivElement);
const sentLabel = byId('sent', HTMLSpanElement);
const rejectedLabel = byId('rejected', HTMLSpanElement);

const pusher = connect(await loadConfig());
const channel = pusher.subscribe(`${CHANNEL_PREFIX}${roomName()}`);
showConnectionState(pusher, channel, byId('status', HTMLDivElement));

let rejected = 0;
pusher.connection.bind('error', (error: { data?: { code?: number } }) => {
  if (error.data?.code !== RATE_LIMIT_CODE) return;
  rejected += 1;
  rejectedLabel.textContent = String(rejected);
});

let seq = 0;
let sent = 0;
let pending: InputEvent | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

function sendPending(): void {
  timer = undefined;
  if (pending === undefined || !channel.subscribed) return;
  if (!budget.take()) {
    timer = setTimeout(sendPending, budget.wait());
    return;
  }
  channel.trigger('client-input', pending);
  pending = undefined;
  sent += 1;
  sentLabel.textContent = String(sent);
}

function onPointer(event: PointerEvent): void {
  if (event.type !== 'pointerdown' && event.buttons === 0 && event.pointerType === 'mouse') return;
  const box = pad.getBoundingClientRect();
  const clamp = (value: number): number => Math.min(1, Math.max(0, value));
  const coalesced = event.getCoalescedEvents();
  for (const sample of coalesced.length > 0 ? coalesced : [event]) {
    seq += 1;
    pending = {
      seq,
      x: clamp((sample.clientX - box.left) / box.width),
      y: clamp((sample.clientY - box.top) / box.height),
      at: epochOf(sample),
    };
    if (timer === undefined) sendPending();
  }
}

pad.addEventListener('pointerdown', (event) => {
  pad.setPointerCapture(event.pointerId);
  onPointer(event);
});
// pointerrawupdate is each move as the device reports it; pointermove is held back to the next
// animation frame (and coalesced), up to a frame of latency a controller does not need.
pad.addEventListener('onpointerrawupdate' in pad ? 'pointerrawupdate' : 'pointermove', (event) => onPointer(event as PointerEvent));

for (const button of ['a', 'b'] as const) {
  const element = byId(`button-${button}`, HTMLButtonElement);
  const press = (pressed: ButtonEvent['button'], event: Event): void => {
    const message: ButtonEvent = { button: pressed, at: epochOf(event) };
    const send = (): void => {
      if (!channel.subscribed) return;
      if (budget.take()) channel.trigger('client-button', message);
      else setTimeout(send, budget.wait());
    };
    send();
  };
  element.addEventListener('pointerdown', (event) => press(button, event));
  element.addEventListener('pointerup', (event) => press(null, event));
}
