/**
 * The debug console of one app: the server's stream (one EventSource, re-opened when the filters
 * change), shown in a fixed-height list that keeps the last MAX_ROWS entries; records that arrive
 * together are rendered once per animation frame. The count of entries the server left out (its
 * per-viewer rate bound) is shown as it reports it. The event creator sits beside it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { consoleUrl, getOverview, type DebugRecord } from './api.js';
import { EventCreator } from './event-creator.js';
import { usePoll } from './use-poll.js';

const MAX_ROWS = 500;

const GROUPS: readonly { readonly label: string; readonly kinds: readonly DebugRecord['kind'][] }[] = [
  { label: 'Connections', kinds: ['connection-opened', 'connection-closed'] },
  { label: 'Subscriptions', kinds: ['subscribed', 'unsubscribed'] },
  { label: 'Occupied / vacated', kinds: ['channel-occupied', 'channel-vacated'] },
  { label: 'Members', kinds: ['member-added', 'member-removed'] },
  { label: 'API messages', kinds: ['api-message'] },
  { label: 'Client events', kinds: ['client-event'] },
  { label: 'Webhooks', kinds: ['webhook'] },
];

interface Row {
  readonly id: number;
  readonly record: DebugRecord;
}

function details(record: DebugRecord): string {
  switch (record.kind) {
    case 'connection-opened':
      return `${record.socketId} via ${record.transport} from ${record.address}${record.origin === undefined ? '' : `, origin ${record.origin}`}`;
    case 'connection-closed':
      return `${record.socketId} (${record.transport}) closed ${record.code}${record.reason === '' ? '' : `: ${record.reason}`}`;
    case 'subscribed':
    case 'unsubscribed':
      return `${record.socketId} ${record.kind === 'subscribed' ? 'to' : 'from'} ${record.channel}`;
    case 'channel-occupied':
    case 'channel-vacated':
      return record.channel;
    case 'member-added':
    case 'member-removed':
      return `${record.userId} on ${record.channel}`;
    case 'api-message':
      return `${record.event} on ${record.channel}: ${record.data}${record.socketId === undefined ? '' : ` (except ${record.socketId})`}`;
    case 'client-event':
      return `${record.event} on ${record.channel} from ${record.socketId}: ${record.data}`;
    case 'webhook':
      return `${record.url}: ${record.ok ? 'delivered' : `failed (${record.reason ?? ''})`}, attempt ${record.attempt}, ${record.events} event${record.events === 1 ? '' : 's'}`;
  }
}

function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function useConsole(url: string | undefined, paused: boolean): { rows: readonly Row[]; dropped: number; state: string; clear: () => void } {
  const [rows, setRows] = useState<readonly Row[]>([]);
  const [dropped, setDropped] = useState(0);
  const [state, setState] = useState('closed');
  const pending = useRef<DebugRecord[]>([]);
  const nextId = useRef(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  useEffect(() => {
    if (url === undefined) return undefined;
    setRows([]);
    setDropped(0);
    setState('connecting');
    const source = new EventSource(url);
    let frame: number | undefined;
    const flush = (): void => {
      frame = undefined;
      const records = pending.current;
      pending.current = [];
      setRows((current) => [...current, ...records.map((record) => ({ id: nextId.current++, record }))].slice(-MAX_ROWS));
    };
    source.addEventListener('ready', () => setState('live'));
    source.addEventListener('message', (event: MessageEvent<string>) => {
      if (pausedRef.current) return;
      pending.current.push(JSON.parse(event.data) as DebugRecord);
      frame ??= requestAnimationFrame(flush);
    });
    source.addEventListener('dropped', (event: MessageEvent<string>) => setDropped((JSON.parse(event.data) as { dropped: number }).dropped));
    source.addEventListener('error', () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
    return () => {
      source.close();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [url]);
  return { rows, dropped, state, clear: () => setRows([]) };
}

export function ConsoleView(props: { appId: string | undefined; onError: (error: unknown) => void }): preact.JSX.Element {
  const { value: overview } = usePoll(getOverview, 10_000, [], props.onError);
  const [channel, setChannel] = useState('');
  const [socket, setSocket] = useState('');
  const [groups, setGroups] = useState<ReadonlySet<string>>(new Set());
  const [paused, setPaused] = useState(false);
  const [applied, setApplied] = useState({ channel: '', socket: '', kinds: [] as string[] });
  const appId = props.appId ?? overview?.apps[0]?.id;
  const url = appId === undefined ? undefined : consoleUrl(appId, applied);
  const { rows, dropped, state, clear } = useConsole(url, paused);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const element = list.current;
    if (element !== null && !paused) element.scrollTop = element.scrollHeight;
  }, [rows, paused]);
  const apply = (event: Event): void => {
    event.preventDefault();
    const kinds = GROUPS.filter((group) => groups.has(group.label)).flatMap((group) => group.kinds);
    setApplied({ channel: channel.trim(), socket: socket.trim(), kinds });
  };
  const toggle = (label: string): void => {
    const next = new Set(groups);
    if (!next.delete(label)) next.add(label);
    setGroups(next);
  };
  return (
    <section aria-labelledby="console-title" class="console-layout">
      <div class="console-main">
        <h2 id="console-title">
          Debug console{' '}
          <label class="inline">
            <span class="visually-hidden">App</span>
            <select value={appId ?? ''} onChange={(event) => (location.hash = `#/console/${encodeURIComponent(event.currentTarget.value)}`)}>
              {(overview?.apps ?? []).map((app) => (
                <option key={app.id} value={app.id}>
                  {app.name ?? app.id}
                </option>
              ))}
            </select>
          </label>
        </h2>
        <form class="filters" onSubmit={apply} aria-label="Filters">
          <label>
            Channel contains <input name="channel" value={channel} onInput={(event) => setChannel(event.currentTarget.value)} />
          </label>
          <label>
            Socket id <input name="socket" value={socket} onInput={(event) => setSocket(event.currentTarget.value)} />
          </label>
          <fieldset>
            <legend>Types (none checked: all)</legend>
            {GROUPS.map((group) => (
              <label key={group.label} class="check">
                <input type="checkbox" checked={groups.has(group.label)} onChange={() => toggle(group.label)} /> {group.label}
              </label>
            ))}
          </fieldset>
          <button type="submit">Apply filters</button>
        </form>
        <div class="console-bar" role="status">
          <span class="state" data-state={state}>
            {state}
          </span>
          <span>
            Dropped: <span class="num" id="dropped">{dropped}</span>
          </span>
          <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button type="button" onClick={clear}>
            Clear
          </button>
        </div>
        <ol class="console" ref={list} aria-label="Debug entries" aria-live="off" tabIndex={0}>
          {rows.map(({ id, record }) => (
            <li key={id} data-kind={record.kind}>
              <time>{time(record.time)}</time>
              <span class="kind">{record.kind}</span>
              <span class="node" title={record.node}>
                {record.node.slice(-8)}
              </span>
              <span class="details">{details(record)}</span>
            </li>
          ))}
        </ol>
      </div>
      {appId !== undefined && <EventCreator appId={appId} onError={props.onError} />}
    </section>
  );
}
