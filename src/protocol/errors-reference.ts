/** Renders docs/errors.md from the error tables in errors.ts. */
import { ApiErrors, ClientErrors, CloseReasons, SubscriptionErrors } from './errors.js';

function rows<T>(entries: Record<string, T>, render: (entry: T) => string): string {
  return Object.values(entries).map(render).join('\n');
}

export function renderErrorReference(): string {
  return `# Error reference

<!-- Generated from src/protocol/errors.ts by \`npm run docs\`; do not edit by hand. -->

Every error Switchboard reports has a stable id (\`SB_...\`). Ids are never reused.

## Connection closes

Sent as \`pusher:error\` \`{"code", "message"}\` and then as the WebSocket close code (or the
\`c[code,"reason"]\` frame on the HTTP transports). pusher-js stops for good on 4000-4099, reconnects
after a second on 4100-4199, and at once on 4200-4299. Oversized WebSocket messages close with 1009.

| Id | Close code | Message |
|---|---|---|
${rows(CloseReasons, (reason) => `| \`${reason.id}\` | ${reason.code} | ${reason.message} |`)}

## \`pusher:error\` (the connection stays open)

\`code\` is \`null\` for per-request errors, as Pusher sends them, except where the protocol defines one.

| Id | Code | Message |
|---|---|---|
${rows(ClientErrors, (error) => `| \`${error.id}\` | ${error.code ?? 'null'} | ${error.message} |`)}

## Subscription errors

Sent as \`pusher:subscription_error\` on the channel, with data \`{"type", "error", "status"}\` (the shape
pusher-js uses for its own auth failures, so \`channel.bind('pusher:subscription_error', ...)\` sees
one shape), and mirrored as a \`pusher:error\` with code \`null\`. The channel is not subscribed.

| Id | Type | Status | Message |
|---|---|---|---|
${rows(SubscriptionErrors, (error) => `| \`${error.id}\` | ${error.type} | ${error.status} | ${error.message} |`)}

## HTTP API and HTTP transports

Error bodies are JSON: \`{"error": "<message>", "code": "<id>"}\`. The \`SB_HTTP_*\` errors answer the
pusher-js fallback transports' requests (\`{httpPath}/app/{key}/{server}/{session}/...\`).

| Id | Status | Message |
|---|---|---|
${rows(ApiErrors, (error) => `| \`${error.id}\` | ${error.status} | ${error.message} |`)}
`;
}
