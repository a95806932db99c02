/**
 * The display: moves the sprite to the phone's position as each input arrives (no batching: the
 * DOM is updated in the event handler), and measures input-to-render latency, from the input on
 * the phone to the animation frame that draws it.
 *
 * The latencies are kept on `window.inputLatencies` (milliseconds, one per input drawn), which
 * the tests read; the page shows the last and the median.
 */
import { byId, connect, loadConfig, roomName, showConnectionState } from '../../shared/page/connect.js';
import { CHANNEL_PREFIX, type ButtonEvent, type InputEvent } from './messages.js';

const SPRITE_SIZE = 40;

const arena = byId('arena', HTMLDivElement);
const sprite = byId('sprite', HTMLDivElement);
const figures = byId('figures', HTMLParagraphElement);

const latencies: number[] = [];
Reflect.set(window, 'inputLatencies', latencies);

const pusher = connect(await loadConfig());
const channel = pusher.subscribe(`${CHANNEL_PREFIX}${roomName()}`);
showConnectionState(pusher, channel, byId('status', HTMLDivElement));

/** Inputs applied to the DOM and not drawn yet: their latency is taken at the next frame. */
let undrawn: number[] = [];

function onFrame(): void {
  const now = Date.now();
  for (const at of undrawn) latencies.push(now - at);
  undrawn = [];
  const last = latencies.at(-1) ?? 0;
  const recent = latencies.slice(-100).sort((a, b) => a - b);
  const median = recent[Math.floor(recent.length / 2)] ?? 0;
  figures.textContent = `Inputs drawn: ${latencies.length} · last ${last.toFixed(0)} ms · median of the last 100: ${median.toFixed(0)} ms`;
}

channel.bind('client-input', (input: InputEvent) => {
  const x = input.x * (arena.clientWidth - SPRITE_SIZE);
  const y = input.y * (arena.clientHeight - SPRITE_SIZE);
  sprite.style.transform = `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px)`;
  if (undrawn.length === 0) requestAnimationFrame(onFrame);
  undrawn.push(input.at);
});

channel.bind('client-button', (event: ButtonEvent) => {
  if (event.button === null) delete sprite.dataset['button'];
  else sprite.dataset['button'] = event.button;
});
