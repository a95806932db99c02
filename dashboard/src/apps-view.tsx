/**
 * The apps, through the admin API (/api/apps). With an app store (appStore.url) they can be
 * created, renamed, enabled or disabled and have their secret rotated here; a new secret is shown
 * once. With apps from the config file the list is read-only.
 */
import { useState } from 'preact/hooks';
import { createApp, getOverview, listApps, rotateSecret, updateApp, type AdminApp } from './api.js';
import { usePoll } from './use-poll.js';

function AppRow(props: { app: AdminApp; writable: boolean; onChanged: (message: string) => void; onError: (error: unknown) => void }): preact.JSX.Element {
  const { app } = props;
  const [name, setName] = useState(app.name ?? '');
  const act = (work: () => Promise<string>): void => {
    work().then(props.onChanged, (error: unknown) => {
      props.onChanged(error instanceof Error ? error.message : String(error));
      props.onError(error);
    });
  };
  return (
    <tr>
      <th scope="row">{app.id}</th>
      <td>{app.key}</td>
      <td>
        {props.writable ? (
          <form class="inline" onSubmit={(event) => (event.preventDefault(), act(async () => (await updateApp(app.id, { name }), `Renamed ${app.id}.`)))}>
            <label>
              <span class="visually-hidden">Name of {app.id}</span>
              <input value={name} onInput={(event) => setName(event.currentTarget.value)} />
            </label>
            <button type="submit">Save</button>
          </form>
        ) : (
          (app.name ?? '')
        )}
      </td>
      <td>{app.enabled ? <span class="badge ok">enabled</span> : <span class="badge warn">disabled</span>}</td>
      <td>
        {props.writable && (
          <>
            <button type="button" onClick={() => act(async () => (await updateApp(app.id, { enabled: !app.enabled }), `${app.enabled ? 'Disabled' : 'Enabled'} ${app.id}.`))}>
              {app.enabled ? 'Disable' : 'Enable'}
            </button>{' '}
            <button type="button" onClick={() => act(async () => `New secret of ${app.id} (shown once): ${await rotateSecret(app.id)}`)}>
              Rotate secret
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

export function AppsView(props: { onError: (error: unknown) => void }): preact.JSX.Element {
  const [revision, setRevision] = useState(0);
  const [message, setMessage] = useState('');
  const [newName, setNewName] = useState('');
  const { value: overview } = usePoll(getOverview, 30_000, [], props.onError);
  const { value: apps, error } = usePoll(listApps, 10_000, [revision], props.onError);
  const writable = overview?.appsWritable ?? false;
  const changed = (text: string): void => {
    setMessage(text);
    setRevision(revision + 1);
  };
  const create = (event: Event): void => {
    event.preventDefault();
    createApp(newName === '' ? {} : { name: newName }).then(
      (app) => changed(`Created ${app.id}: key ${app.key}, secret (shown once) ${app.secret}`),
      (failure: unknown) => setMessage(failure instanceof Error ? failure.message : String(failure)),
    );
  };
  return (
    <section aria-labelledby="apps-title">
      <h2 id="apps-title">Apps</h2>
      {!writable && <p class="muted">Apps come from the config file: this list is read-only (configure appStore.url to manage apps here).</p>}
      <p role="status" class="result wrap">
        {error ?? message}
      </p>
      {writable && (
        <form class="inline" onSubmit={create} aria-label="New app">
          <label>
            New app name <input value={newName} onInput={(event) => setNewName(event.currentTarget.value)} />
          </label>
          <button type="submit">Create app</button>
        </form>
      )}
      <div class="scroll-x">
        <table>
          <caption>Apps</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Key</th>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(apps ?? []).map((app) => (
              <AppRow key={`${app.id} ${revision}`} app={app} writable={writable} onChanged={changed} onError={props.onError} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
