/**
 * The phase display on stderr: on a terminal one line rewritten in place, otherwise one line per
 * phase (so logs and CI stay readable).
 */
export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #startedAt = Date.now();
  readonly #enabled: boolean;
  #prefix = '';
  #width = 0;

  constructor(enabled: boolean, stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#tty = stream.isTTY;
    this.#enabled = enabled;
  }

  /** Sets the context shown before each phase, e.g. `[3/14] fanout-1k · switchboard`. */
  context(text: string): void {
    this.#prefix = text;
  }

  phase(text: string): void {
    if (!this.#enabled) return;
    const seconds = ((Date.now() - this.#startedAt) / 1000).toFixed(0).padStart(4);
    const line = `${seconds}s ${this.#prefix} · ${text}`;
    if (!this.#tty) {
      this.#stream.write(`${line}\n`);
      return;
    }
    const columns = this.#stream.columns > 0 ? this.#stream.columns - 1 : 119;
    const shown = line.slice(0, columns);
    this.#stream.write(`\r${shown.padEnd(this.#width)}`);
    this.#width = shown.length;
  }

  /** Ends the in-place line. */
  done(text: string): void {
    if (!this.#enabled) return;
    if (this.#tty && this.#width > 0) this.#stream.write(`\r${' '.repeat(this.#width)}\r`);
    this.#width = 0;
    this.#stream.write(`${text}\n`);
  }
}
