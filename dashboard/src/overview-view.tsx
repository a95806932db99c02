/** Every app's live figures with a chart of the last minutes, webhook health, the cluster's nodes. */
import { getOverview, type AppOverview, type Overview } from './api.js';
import { Sparkline } from './sparkline.js';
import { usePoll } from './use-poll.js';

const REFRESH_MS = 5_000;

function latest(app: AppOverview): { messages: number; deliveries: number } {
  const last = app.history[app.history.length - 1];
  return { messages: last?.messagesPerSecond ?? 0, deliveries: last?.deliveriesPerSecond ?? 0 };
}

function figure(value: number | null): string {
  return value === null ? '–' : String(value);
}

function ago(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  return seconds === 0 ? 'now' : `${seconds} s ago`;
}

function AppsTable(props: { overview: Overview }): preact.JSX.Element {
  return (
    <table>
      <caption>Apps</caption>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col" class="num">Connections</th>
          <th scope="col" class="num">Channels</th>
          <th scope="col" class="num">Messages/s</th>
          <th scope="col" class="num">Deliveries/s</th>
          <th scope="col">Last 5 minutes (deliveries/s)</th>
          <th scope="col">
            <span class="visually-hidden">Links</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.overview.apps.map((app) => {
          const rates = latest(app);
          return (
            <tr key={app.id} data-app={app.id}>
              <th scope="row">
                {app.name ?? app.id} {app.name !== undefined && <span class="muted">({app.id})</span>}
                {!app.enabled && <span class="badge warn">disabled</span>}
              </th>
              <td class="num" data-field="connections">{figure(app.connections)}</td>
              <td class="num" data-field="channels">{figure(app.channels)}</td>
              <td class="num">{rates.messages}</td>
              <td class="num">{rates.deliveries}</td>
              <td>
                <Sparkline values={app.history.map((sample) => sample.deliveriesPerSecond)} label={`Deliveries per second of ${app.id}`} />
              </td>
              <td class="links">
                <a href={`#/console/${encodeURIComponent(app.id)}`}>Console</a> <a href={`#/channels/${encodeURIComponent(app.id)}`}>Channels</a>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function WebhooksTable(props: { overview: Overview }): preact.JSX.Element {
  const { endpoints, queueDepth } = props.overview.webhooks;
  return (
    <table>
      <caption>
        Webhooks <span class="muted">(queue: {figure(queueDepth)} batches; endpoints as this node sees them)</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Endpoint</th>
          <th scope="col">Last attempt</th>
          <th scope="col" class="num">Failures in a row</th>
          <th scope="col" class="num">Sent</th>
          <th scope="col" class="num">Failed attempts</th>
        </tr>
      </thead>
      <tbody>
        {endpoints.length === 0 && (
          <tr>
            <td colSpan={6} class="muted">
              No webhook sent from this node yet.
            </td>
          </tr>
        )}
        {endpoints.map((endpoint) => (
          <tr key={`${endpoint.appId} ${endpoint.url}`}>
            <td>{endpoint.appId}</td>
            <td class="wrap">{endpoint.url}</td>
            <td>
              <span class={endpoint.lastOutcome === 'ok' ? 'badge ok' : 'badge bad'}>{endpoint.lastOutcome}</span> {ago(endpoint.lastAttemptAt, props.overview.time)}
            </td>
            <td class="num">{endpoint.failuresInARow}</td>
            <td class="num">{endpoint.sentBatches}</td>
            <td class="num">{endpoint.failedAttempts}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NodesTable(props: { overview: Overview }): preact.JSX.Element {
  return (
    <table>
      <caption>Cluster nodes</caption>
      <thead>
        <tr>
          <th scope="col">Node</th>
          <th scope="col" class="num">Connections</th>
          <th scope="col">Last heartbeat</th>
        </tr>
      </thead>
      <tbody>
        {props.overview.nodes.map((node) => (
          <tr key={node.node}>
            <td class="wrap">
              {node.node} {node.self && <span class="badge">this node</span>}
            </td>
            <td class="num">{node.connections}</td>
            <td>{ago(node.lastHeartbeat, props.overview.time)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function OverviewView(props: { onError: (error: unknown) => void }): preact.JSX.Element {
  const { value: overview, error } = usePoll(getOverview, REFRESH_MS, [], props.onError);
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      <p role="status" class="error">
        {error ?? ''}
      </p>
      {overview === undefined ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          <div class="scroll-x">
            <AppsTable overview={overview} />
          </div>
          <div class="scroll-x">
            <WebhooksTable overview={overview} />
          </div>
          <div class="scroll-x">
            <NodesTable overview={overview} />
          </div>
        </>
      )}
    </section>
  );
}
