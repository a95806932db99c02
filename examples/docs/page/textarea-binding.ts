/**
 * Binds a Y.Text to a <textarea>: the person's edits become Yjs edits (the changed span between the
 * old and the new value), and remote edits rewrite the textarea's value while keeping the person's
 * selection where it was in the text (shifted by the edits before it).
 */
import type * as Y from 'yjs';

/** The origin of the transactions made from the textarea. */
export const LOCAL_EDIT = 'textarea';

/** The one changed span between two strings: `removed` characters at `index` replaced by `inserted`. */
export function changedSpan(before: string, after: string): { index: number; removed: number; inserted: string } {
  let start = 0;
  const shortest = Math.min(before.length, after.length);
  while (start < shortest && before[start] === after[start]) start += 1;
  let end = 0;
  while (end < shortest - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end += 1;
  return { index: start, removed: before.length - start - end, inserted: after.slice(start, after.length - end) };
}

/** `position` moved by a Yjs delta that applies before and at it (inserts at the position push it on). */
function shifted(position: number, delta: readonly { insert?: unknown; delete?: number | undefined; retain?: number | undefined }[]): number {
  let index = 0;
  let result = position;
  for (const op of delta) {
    if (index > position) break;
    if (op.retain !== undefined) index += op.retain;
    else if (typeof op.insert === 'string') {
      if (index < position) result += op.insert.length;
      index += op.insert.length;
    } else if (op.delete !== undefined) {
      result -= Math.min(op.delete, Math.max(0, position - index));
    }
  }
  return result;
}

export function bindTextarea(text: Y.Text, textarea: HTMLTextAreaElement): void {
  textarea.value = text.toJSON();
  let shown = textarea.value;

  textarea.addEventListener('input', () => {
    const span = changedSpan(shown, textarea.value);
    shown = textarea.value;
    text.doc?.transact(() => {
      if (span.removed > 0) text.delete(span.index, span.removed);
      if (span.inserted.length > 0) text.insert(span.index, span.inserted);
    }, LOCAL_EDIT);
  });

  text.observe((event) => {
    if (event.transaction.origin === LOCAL_EDIT) return;
    const delta = event.delta;
    const focused = document.activeElement === textarea;
    const start = shifted(textarea.selectionStart, delta);
    const end = shifted(textarea.selectionEnd, delta);
    textarea.value = text.toJSON();
    shown = textarea.value;
    if (focused) textarea.setSelectionRange(start, end);
  });
}
