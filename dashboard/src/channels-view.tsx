/** One app's occupied channels: subscription counts, presence members, the cached event. */
import { getChannels, getOverview } from './api.js';
import { usePoll } from './use-poll.js';

export function ChannelsView(props: { appId: string | undefined; onError: (error: unknown) => void }): preact.JSX.Element {
  const { value: overview } = usePoll(getOverview, 30_000, [], props.onError);
  const appId = props.appId ?? overview?.apps[0]?.id;
  const { value: channels, error } = usePoll(() => (appId === undefined ? Promise.resolve([]) : getChannels(appId)), 5_000, [appId], props.onError);
  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">
        Channels{' '}
        <label class="inline">
          <span class="visually-hidden">App</span>
          <select value={appId ?? ''} onChange={(event) => (location.hash = `#/channels/${encodeURIComponent(event.currentTarget.value)}`)}>
            {(overview?.apps ?? []).map((app) => (
              <option key={app.id} value={app.id}>
                {app.name ?? app.id}
              </option>
            ))}
          </select>
        </label>
      </h2>
      <p role="status" class="error">
        {error ?? ''}
      </p>
      <div class="scroll-x">
        <table>
          <caption>Occupied channels (refreshed every 5 s)</caption>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col" class="num">Subscriptions</th>
              <th scope="col" class="num">Users</th>
              <th scope="col">Members</th>
              <th scope="col">Cached event</th>
            </tr>
          </thead>
          <tbody>
            {channels?.length === 0 && (
              <tr>
                <td colSpan={5} class="muted">
                  No occupied channel.
                </td>
              </tr>
            )}
            {(channels ?? []).map((channel) => (
              <tr key={channel.name}>
                <th scope="row" class="wrap">
                  {channel.name}
                </th>
                <td class="num">{channel.subscriptionCount}</td>
                <td class="num">{channel.members === undefined ? '' : channel.userCount}</td>
                <td class="wrap">{channel.members?.map((member) => String(member.userId)).join(', ') ?? ''}</td>
                <td class="wrap">{channel.cached === undefined ? '' : `${channel.cached.event}: ${channel.cached.data.slice(0, 200)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
