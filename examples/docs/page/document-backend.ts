/**
 * The page's side of the example backend's document store: loads the stored state, and saves each
 * local update, one request at a time (updates made meanwhile are merged into the next request; a
 * failed one is retried after a second, one the backend refused is not).
 */
import * as Y from 'yjs';

const RETRY_MS = 1_000;

export class DocumentBackend {
  readonly #url: string;
  readonly #report: (state: string) => void;
  #pending: Uint8Array[] = [];
  #saving = false;

  /** `report` shows the saving state to the person ("Saved", "Saving…", the error). */
  constructor(room: string, report: (state: string) => void) {
    this.#url = `/documents/${encodeURIComponent(room)}`;
    this.#report = report;
  }

  async load(): Promise<Uint8Array> {
    const response = await fetch(this.#url);
    if (!response.ok) throw new Error(`GET ${this.#url}: ${response.status}`);
    this.#report('Saved');
    return new Uint8Array(await response.arrayBuffer());
  }

  save(update: Uint8Array): void {
    this.#pending.push(update);
    void this.#saveNext();
  }

  async #saveNext(): Promise<void> {
    if (this.#saving || this.#pending.length === 0) return;
    this.#saving = true;
    const updates = this.#pending;
    this.#pending = [];
    this.#report('Saving…');
    try {
      const response = await fetch(this.#url, { method: 'POST', body: new Blob([Y.mergeUpdates(updates) as Uint8Array<ArrayBuffer>]), signal: AbortSignal.timeout(10_000) });
      if (response.status >= 400 && response.status < 500) {
        // Refused (the document is full, say): sending it again would be refused again.
        this.#saving = false;
        this.#report(`Not saved: ${(await response.text()).trim()} (${response.status})`);
        return;
      }
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
      this.#saving = false;
      if (this.#pending.length === 0) this.#report('Saved');
      else void this.#saveNext();
    } catch (error) {
      this.#pending.unshift(...updates);
      this.#report(`Not saved (${error instanceof Error ? error.message : String(error)}): retrying`);
      setTimeout(() => {
        this.#saving = false;
        void this.#saveNext();
      }, RETRY_MS);
    }
  }
}
