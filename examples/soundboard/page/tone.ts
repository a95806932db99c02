/** A short generated tone per pad (WebAudio): a pentatonic scale over two octaves. */
const SCALE = [0, 2, 4, 7, 9];
const BASE_HZ = 220;
const TONE_SECONDS = 0.35;

export function padFrequency(pad: number): number {
  const octave = Math.floor(pad / SCALE.length);
  const step = SCALE[pad % SCALE.length] ?? 0;
  return BASE_HZ * 2 ** (octave + step / 12);
}

/** Starts the pad's tone now on `audio`; returns when it starts, on the context's clock. */
export function playTone(audio: AudioContext, pad: number): number {
  const start = audio.currentTime;
  const oscillator = new OscillatorNode(audio, { type: 'triangle', frequency: padFrequency(pad) });
  const gain = new GainNode(audio, { gain: 0 });
  gain.gain.linearRampToValueAtTime(0.3, start + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.001, start + TONE_SECONDS);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start(start);
  oscillator.stop(start + TONE_SECONDS);
  return start;
}
