/** Publishes a test event as the HTTP API would: channel, event name and JSON data. */
import { useState } from 'preact/hooks';
import { sendEvent } from './api.js';

export function EventCreator(props: { appId: string; onError: (error: unknown) => void }): preact.JSX.Element {
  const [channel, setChannel] = useState('my-channel');
  const [event, setEvent] = useState('my-event');
  const [data, setData] = useState('{"message": "hello"}');
  const [result, setResult] = useState('');
  const submit = (submitted: Event): void => {
    submitted.preventDefault();
    try {
      JSON.parse(data);
    } catch {
      setResult('The data is not valid JSON.');
      return;
    }
    setResult('Sending…');
    sendEvent(props.appId, { channel, event, data }).then(
      () => setResult(`Sent ${event} to ${channel}.`),
      (error: unknown) => {
        setResult(error instanceof Error ? error.message : String(error));
        props.onError(error);
      },
    );
  };
  return (
    <form class="event-creator" onSubmit={submit} aria-labelledby="creator-title">
      <h3 id="creator-title">Event creator</h3>
      <label>
        Channel <input name="channel" required value={channel} onInput={(e) => setChannel(e.currentTarget.value)} />
      </label>
      <label>
        Event <input name="event" required value={event} onInput={(e) => setEvent(e.currentTarget.value)} />
      </label>
      <label>
        Data (JSON) <textarea name="data" rows={5} value={data} onInput={(e) => setData(e.currentTarget.value)} />
      </label>
      <button type="submit">Send event</button>
      <p role="status" class="result">
        {result}
      </p>
    </form>
  );
}
