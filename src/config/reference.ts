/** Renders docs/configuration.md from the schema and the derived environment variables. */
import { ENV_VARIABLES, type EnvVariable } from './env.js';

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value) && value.length === 0) return '`[]`';
  return `\`${JSON.stringify(value)}\``;
}

function table(variables: readonly EnvVariable[], keyPrefix: string): string {
  const rows = variables.map(
    (variable) =>
      `| \`${keyPrefix}${variable.path.join('.')}\` | \`${variable.name}\` | ${variable.kind} | ${formatDefault(variable.defaultValue)} | ${variable.description} |`,
  );
  return ['| Key | Environment variable | Type | Default | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function renderConfigurationReference(): string {
  const server = ENV_VARIABLES.filter((variable) => variable.scope === 'config');
  const app = ENV_VARIABLES.filter((variable) => variable.scope === 'app');
  return `# Configuration reference

<!-- Generated from src/config/schema.ts by \`npm run docs\`; do not edit by hand. -->

Switchboard reads, in increasing precedence: the schema defaults below, a JSON config file
(\`--config FILE\` or \`SWITCHBOARD_CONFIG\`), environment variables, and the \`--host\` / \`--port\`
flags. The whole result is validated once at boot: an unknown key, an unknown \`SWITCHBOARD_*\`
variable or a bad value stops the start with a message that names it.

With no app configured, Switchboard serves a development app (id \`app-id\`, key \`app-key\`,
secret \`app-secret\`, client events on) and refuses to listen on anything but a loopback address.

## Server

${table(server, '')}

## Apps (\`apps[]\`)

Each entry of \`apps\` is one app. The \`SWITCHBOARD_APP_*\` variables describe one app: it is merged
into the config-file app with the same id, or added when there is none.

${table(app, 'apps[].')}

Webhook endpoints (\`apps[].webhooks[]\`) are objects \`{"url", "events"?, "channelPrefixes"?, "headers"?}\`
(see [webhooks.md](webhooks.md)); they are set in the config file. Beams webhook endpoints for push
notifications (\`apps[].pushWebhooks[]\`) are objects \`{"url", "events"?, "customData"?}\` (see
[push.md](push.md)), set as webhooks are.
`;
}
