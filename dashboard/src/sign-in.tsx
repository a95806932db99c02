/** Sign-in with the admin token (admin.token); the server answers with the session cookie. */
import { useState } from 'preact/hooks';
import { RequestError, signIn, type SessionState } from './api.js';

export function SignIn(props: { onSignedIn: (session: SessionState) => void }): preact.JSX.Element {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = (event: Event): void => {
    event.preventDefault();
    setBusy(true);
    signIn(token)
      .then(props.onSignedIn, (failure: unknown) => setError(failure instanceof RequestError ? failure.message : String(failure)))
      .finally(() => setBusy(false));
  };
  return (
    <main class="sign-in">
      <h1>Switchboard</h1>
      <form onSubmit={submit}>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required value={token} onInput={(event) => setToken(event.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p role="alert" class="error" id="sign-in-error">
          {error ?? ''}
        </p>
      </form>
    </main>
  );
}
