/**
 * The shared document: a Yjs document whose y-protocols messages travel as client events on the
 * room's presence channel (yjs-channel.ts), stored by the example's backend (GET and POST
 * /documents/<room>), shown in a textarea with the others' cursors.
 *
 * - Opening: the stored state first (a late joiner or a reload gets the whole text even when nobody
 *   else is there), then sync step 1 to the room; whoever is there answers with what is missing.
 * - Editing: each local update goes to the room (a y-protocols update message) and to the backend.
 * - Cursors: y-protocols awareness; a leaver's cursor is removed when the presence channel says
 *   they left (member_removed), not after awareness's 30-second timeout.
 */
import { createDecoder } from 'lib0/decoding';
import { createEncoder, length, toUint8Array } from 'lib0/encoding';
import type { Channel, PresenceChannel } from 'pusher-js';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { readSyncMessage, writeSyncStep1, writeUpdate } from 'y-protocols/sync';
import * as Y from 'yjs';
import { byId, connect, loadConfig, randomId, roomName, showConnectionState } from '../../shared/page/connect.js';
import { CursorLayer, type RemoteCursor } from './cursors.js';
import { DocumentBackend } from './document-backend.js';
import { bindTextarea } from './textarea-binding.js';
import { YjsChannel, type MessageKind } from './yjs-channel.js';

/** Transaction and awareness origins: what came from the room and the backend is not sent back. */
const FROM_ROOM = 'room';
const FROM_BACKEND = 'backend';

interface Member {
  readonly id: string;
  readonly info: { readonly name: string };
}

/** The awareness state each page publishes. */
interface PeerState {
  readonly user?: { readonly id: string; readonly name: string; readonly colour: string };
  readonly cursor?: { readonly head: unknown };
}

const form = byId('join', HTMLFormElement);
const nameInput = byId('name', HTMLInputElement);
const textarea = byId('text', HTMLTextAreaElement);
const membersElement = byId('members', HTMLUListElement);
const savedLabel = byId('saved', HTMLParagraphElement);

function isPresenceChannel(channel: Channel): channel is PresenceChannel {
  return 'members' in channel;
}

function userId(): string {
  const stored = sessionStorage.getItem('docs-user');
  if (stored !== null) return stored;
  const created = randomId();
  sessionStorage.setItem('docs-user', created);
  return created;
}

function colourOf(id: string): string {
  let hash = 0;
  for (const character of id) hash = (hash * 31 + (character.codePointAt(0) ?? 0)) % 360;
  return `hsl(${hash}, 70%, 45%)`;
}

async function open(name: string): Promise<void> {
  const room = roomName();
  const me = userId();
  const doc = new Y.Doc();
  const text = doc.getText('text');
  const awareness = new Awareness(doc);
  const backend = new DocumentBackend(room, (state) => (savedLabel.textContent = state));
  Y.applyUpdate(doc, await backend.load(), FROM_BACKEND);

  form.hidden = true;
  byId('editor', HTMLDivElement).hidden = false;
  bindTextarea(text, textarea);
  textarea.disabled = false;
  textarea.focus();

  const pusher = connect(await loadConfig(), { user_id: me, name });
  const channel = pusher.subscribe(`presence-docs-${room}`);
  if (!isPresenceChannel(channel)) throw new Error('pusher-js did not make a presence channel');
  showConnectionState(pusher, channel, byId('status', HTMLDivElement));

  const onMessage = (kind: MessageKind, message: Uint8Array): void => {
    if (kind === 'awareness') return applyAwarenessUpdate(awareness, message, FROM_ROOM);
    const reply = createEncoder();
    readSyncMessage(createDecoder(message), reply, doc, FROM_ROOM);
    // Sync step 1 (someone opening the document) is answered with step 2: what they are missing.
    if (length(reply) > 0) yjs.send('sync', toUint8Array(reply));
  };
  const yjs = new YjsChannel(channel, (kind, message) => {
    try {
      onMessage(kind, message);
    } catch (error) {
      console.warn('a malformed Yjs message from the room was ignored', error);
    }
  });
  const sendAwareness = (clients: number[]): void => yjs.send('awareness', encodeAwarenessUpdate(awareness, clients));

  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === FROM_ROOM || origin === FROM_BACKEND) return;
    const encoder = createEncoder();
    writeUpdate(encoder, update);
    yjs.send('sync', toUint8Array(encoder));
    backend.save(update);
  });

  // The cursors, and who is there.
  const cursors = new CursorLayer(textarea, byId('cursors', HTMLDivElement));
  const drawCursors = (): void => {
    const remote: RemoteCursor[] = [];
    awareness.getStates().forEach((state: PeerState, clientId) => {
      if (clientId === doc.clientID || state.user === undefined || state.cursor === undefined) return;
      const position = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(state.cursor.head), doc);
      if (position !== null) remote.push({ clientId, name: state.user.name, colour: state.user.colour, index: position.index });
    });
    cursors.draw(remote);
  };
  const showMembers = (): void => {
    const items: HTMLLIElement[] = [];
    channel.members.each((member: Member) => {
      const item = document.createElement('li');
      item.textContent = member.id === me ? `${member.info.name} (you)` : member.info.name;
      item.style.color = colourOf(member.id);
      items.push(item);
    });
    membersElement.replaceChildren(...items);
  };

  awareness.setLocalStateField('user', { id: me, name, colour: colourOf(me) });
  const publishCursor = (): void => {
    const head = Y.createRelativePositionFromTypeIndex(text, textarea.selectionEnd);
    const json: unknown = Y.relativePositionToJSON(head);
    awareness.setLocalStateField('cursor', { head: json });
  };
  for (const event of ['input', 'keyup', 'click', 'select', 'focus']) textarea.addEventListener(event, publishCursor);
  textarea.addEventListener('scroll', drawCursors);
  text.observe(drawCursors);
  awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    if (origin === 'local') sendAwareness([...added, ...updated, ...removed]);
    drawCursors();
  });

  channel.bind('pusher:subscription_succeeded', () => {
    const encoder = createEncoder();
    writeSyncStep1(encoder, doc);
    yjs.send('sync', toUint8Array(encoder));
    sendAwareness([doc.clientID]);
    yjs.flush();
    showMembers();
  });
  channel.bind('pusher:member_added', () => {
    sendAwareness([doc.clientID]);
    showMembers();
  });
  channel.bind('pusher:member_removed', (member: Member) => {
    const gone = [...awareness.getStates()].filter(([, state]: [number, PeerState]) => state.user?.id === member.id).map(([clientId]) => clientId);
    removeAwarenessStates(awareness, gone, FROM_ROOM);
    showMembers();
  });
  // A reload or a closed tab of someone still in the room in another tab: say the cursor is gone.
  window.addEventListener('pagehide', () => removeAwarenessStates(awareness, [doc.clientID], 'local'));
  publishCursor();
}

nameInput.value = localStorage.getItem('docs-name') ?? '';
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (name.length === 0) return;
  localStorage.setItem('docs-name', name);
  open(name).catch((error: unknown) => {
    savedLabel.textContent = `Could not open the document: ${error instanceof Error ? error.message : String(error)}`;
  });
});
