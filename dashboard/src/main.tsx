/**
 * The dashboard page: sign-in, then four views chosen by the URL hash (#/overview, #/console/{app},
 * #/channels/{app}, #/apps), so every view can be bookmarked and the back button works.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { readSession, signOut, SignedOutError, type SessionState } from './api.js';
import { AppsView } from './apps-view.js';
import { ChannelsView } from './channels-view.js';
import { ConsoleView } from './console-view.js';
import { OverviewView } from './overview-view.js';
import { SignIn } from './sign-in.js';

interface Route {
  readonly view: 'overview' | 'console' | 'channels' | 'apps';
  readonly appId: string | undefined;
}

function routeOf(hash: string): Route {
  const [, view, appId] = hash.replace(/^#/, '').split('/');
  const app = appId === undefined || appId === '' ? undefined : decodeURIComponent(appId);
  if (view === 'console' || view === 'channels' || view === 'apps') return { view, appId: app };
  return { view: 'overview', appId: undefined };
}

function useRoute(): Route {
  const [route, setRoute] = useState(routeOf(location.hash));
  useEffect(() => {
    const onHash = (): void => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

const VIEWS: readonly { readonly view: Route['view']; readonly label: string }[] = [
  { view: 'overview', label: 'Overview' },
  { view: 'console', label: 'Debug console' },
  { view: 'channels', label: 'Channels' },
  { view: 'apps', label: 'Apps' },
];

function Dashboard(props: { session: SessionState; onSignedOut: () => void }): preact.JSX.Element {
  const route = useRoute();
  const signedOut = (error: unknown): void => {
    if (error instanceof SignedOutError) props.onSignedOut();
  };
  return (
    <>
      <header class="top">
        <h1>Switchboard</h1>
        <nav aria-label="Views">
          {VIEWS.map(({ view, label }) => (
            <a key={view} href={`#/${view}${route.appId !== undefined && view !== 'overview' && view !== 'apps' ? `/${encodeURIComponent(route.appId)}` : ''}`} aria-current={route.view === view ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        {props.session.tokenRequired && (
          <button type="button" class="quiet" onClick={() => void signOut().finally(props.onSignedOut)}>
            Sign out
          </button>
        )}
      </header>
      <main>
        {route.view === 'overview' && <OverviewView onError={signedOut} />}
        {route.view === 'console' && <ConsoleView appId={route.appId} onError={signedOut} />}
        {route.view === 'channels' && <ChannelsView appId={route.appId} onError={signedOut} />}
        {route.view === 'apps' && <AppsView onError={signedOut} />}
      </main>
    </>
  );
}

function Root(): preact.JSX.Element {
  const [session, setSession] = useState<SessionState | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const load = (): void => {
    readSession().then(setSession, (error: unknown) => setFailure(String(error)));
  };
  useEffect(load, []);
  if (failure !== undefined) return <p role="alert" class="error">The admin listener did not answer: {failure}</p>;
  if (session === undefined) return <p class="muted">Loading…</p>;
  if (!session.signedIn) return <SignIn onSignedIn={setSession} />;
  return <Dashboard session={session} onSignedOut={() => setSession({ signedIn: false, tokenRequired: session.tokenRequired })} />;
}

const root = document.getElementById('root');
if (root !== null) render(<Root />, root);
