/**
 * Draws the others' cursors over the textarea: a coloured caret with the person's name at each
 * remote cursor, measured with a hidden copy of the textarea's text (the usual caret-position
 * technique: the same font, width and wrapping, and a marker where the cursor is).
 */
export interface RemoteCursor {
  readonly clientId: number;
  readonly name: string;
  readonly colour: string;
  /** Index in the text. */
  readonly index: number;
}

const MIRRORED_STYLES = [
  'boxSizing', 'width', 'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft', 'borderTopWidth', 'borderRightWidth',
  'borderBottomWidth', 'borderLeftWidth', 'fontFamily', 'fontSize', 'fontWeight', 'lineHeight', 'letterSpacing', 'tabSize',
] as const;

export class CursorLayer {
  readonly #textarea: HTMLTextAreaElement;
  readonly #layer: HTMLDivElement;
  readonly #mirror: HTMLDivElement;

  /** `layer`: a positioned element over the textarea, the same size, that lets clicks through. */
  constructor(textarea: HTMLTextAreaElement, layer: HTMLDivElement) {
    this.#textarea = textarea;
    this.#layer = layer;
    this.#mirror = document.createElement('div');
    this.#mirror.setAttribute('aria-hidden', 'true');
    Object.assign(this.#mirror.style, { position: 'absolute', visibility: 'hidden', whiteSpace: 'pre-wrap', overflowWrap: 'break-word', top: '0', left: '-9999px' });
    document.body.append(this.#mirror);
  }

  draw(cursors: readonly RemoteCursor[]): void {
    const style = getComputedStyle(this.#textarea);
    for (const property of MIRRORED_STYLES) this.#mirror.style[property] = style[property];
    const text = this.#textarea.value;
    const elements = cursors.map((cursor) => {
      const marker = document.createElement('span');
      marker.textContent = '\u200b';
      this.#mirror.replaceChildren(document.createTextNode(text.slice(0, cursor.index)), marker);
      const element = document.createElement('div');
      element.className = 'cursor';
      element.dataset['name'] = cursor.name;
      element.style.setProperty('--colour', cursor.colour);
      element.style.left = `${marker.offsetLeft - this.#textarea.scrollLeft}px`;
      element.style.top = `${marker.offsetTop - this.#textarea.scrollTop}px`;
      element.style.height = style.lineHeight;
      const label = document.createElement('span');
      label.className = 'cursor-name';
      label.textContent = cursor.name;
      element.append(label);
      return element;
    });
    this.#layer.replaceChildren(...elements);
  }
}
