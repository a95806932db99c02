/**
 * The controller's client events on `private-controller-<room>`, phone to display. `at` is when the
 * input happened, in milliseconds since the epoch (Date.now()'s clock), so the display can measure
 * input-to-render latency when both pages run on one machine.
 */
export const CHANNEL_PREFIX = 'private-controller-';

/** `client-input`: the touch pad's position, 0..1 on both axes. */
export interface InputEvent {
  readonly seq: number;
  readonly x: number;
  readonly y: number;
  readonly at: number;
}

/** `client-button`: a button pressed ("a" or "b"), or released (null). */
export interface ButtonEvent {
  readonly button: 'a' | 'b' | null;
  readonly at: number;
}

/** When an event happened on Date.now()'s clock (its timeStamp is on performance.now()'s). */
export function epochOf(event: Event): number {
  return Date.now() - (performance.now() - event.timeStamp);
}
