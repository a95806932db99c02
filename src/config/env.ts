/**
 * Environment variables, derived from the config schema: every scalar key has one variable,
 * `SWITCHBOARD_` + its path in UPPER_SNAKE_CASE (`websocket.maxPayloadBytes` ->
 * `SWITCHBOARD_WEBSOCKET_MAX_PAYLOAD_BYTES`). App keys map to `SWITCHBOARD_APP_*` for one app.
 * A `SWITCHBOARD_*` variable that maps to nothing is an error, never silently ignored.
 */
import { z } from 'zod';
import { appSchema, configSchema } from './schema.js';

export const ENV_PREFIX = 'SWITCHBOARD_';
export const CONFIG_FILE_VARIABLE = 'SWITCHBOARD_CONFIG';
const APP_PREFIX = 'SWITCHBOARD_APP_';

/** `boolean-or-string-list`: `true`/`false`, or else a comma-separated list (http.trustProxy). */
type ScalarKind = 'string' | 'integer' | 'number' | 'boolean' | 'string-list' | 'boolean-or-string-list';

export interface EnvVariable {
  readonly name: string;
  /** Path of the key inside the config object (or inside one app, for SWITCHBOARD_APP_*). */
  readonly path: readonly string[];
  readonly kind: ScalarKind;
  readonly scope: 'config' | 'app';
  readonly description: string;
  readonly defaultValue: unknown;
}

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  default?: unknown;
  description?: string;
  enum?: unknown[];
  anyOf?: JsonSchemaNode[];
}

export function toUpperSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function scalarKind(node: JsonSchemaNode): ScalarKind | undefined {
  if (node.anyOf !== undefined) {
    const kinds = node.anyOf.map(scalarKind).sort().join(' ');
    return kinds === 'boolean string-list' ? 'boolean-or-string-list' : undefined;
  }
  switch (node.type) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return node.type;
    case 'array':
      return node.items?.type === 'string' ? 'string-list' : undefined;
    default:
      return undefined;
  }
}

function collect(
  node: JsonSchemaNode,
  path: string[],
  prefix: string,
  scope: EnvVariable['scope'],
  out: EnvVariable[],
): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const childPath = [...path, key];
    if (child.type === 'object') {
      collect(child, childPath, `${prefix}${toUpperSnake(key)}_`, scope, out);
      continue;
    }
    const kind = scalarKind(child);
    if (kind === undefined) continue;
    out.push({
      name: prefix + toUpperSnake(key),
      path: childPath,
      kind,
      scope,
      description: child.description ?? '',
      defaultValue: child.default,
    });
  }
}

function buildVariables(): readonly EnvVariable[] {
  const out: EnvVariable[] = [];
  collect(z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchemaNode, [], ENV_PREFIX, 'config', out);
  collect(z.toJSONSchema(appSchema, { io: 'input' }) as JsonSchemaNode, [], APP_PREFIX, 'app', out);
  return out;
}

export const ENV_VARIABLES: readonly EnvVariable[] = buildVariables();

export class EnvError extends Error {
  override readonly name = 'EnvError';
}

const TRUE_TEXT = /^(true|1|yes)$/i;
const FALSE_TEXT = /^(false|0|no)$/i;

function stringList(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function convert(variable: EnvVariable, raw: string): unknown {
  switch (variable.kind) {
    case 'string':
      return raw;
    case 'string-list':
      return stringList(raw);
    case 'boolean-or-string-list':
      if (TRUE_TEXT.test(raw)) return true;
      if (FALSE_TEXT.test(raw)) return false;
      return stringList(raw);
    case 'boolean':
      if (TRUE_TEXT.test(raw)) return true;
      if (FALSE_TEXT.test(raw)) return false;
      throw new EnvError(`${variable.name} must be true or false, got "${raw}"`);
    case 'integer':
    case 'number': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value) || (variable.kind === 'integer' && !Number.isInteger(value))) {
        throw new EnvError(`${variable.name} must be ${variable.kind === 'integer' ? 'an integer' : 'a number'}, got "${raw}"`);
      }
      return value;
    }
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  path.forEach((key, index) => {
    if (index === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  });
}

export interface EnvOverrides {
  /** Config keys set from the environment, as a partial config object. */
  readonly config: Record<string, unknown>;
  /** Fields of the single app given by SWITCHBOARD_APP_*, if any. */
  readonly app: Record<string, unknown> | undefined;
  readonly configFile: string | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv): EnvOverrides {
  const known = new Map(ENV_VARIABLES.map((variable) => [variable.name, variable]));
  const config: Record<string, unknown> = {};
  let app: Record<string, unknown> | undefined;
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || name === CONFIG_FILE_VARIABLE) continue;
    const variable = known.get(name);
    if (variable === undefined) {
      unknown.push(name);
      continue;
    }
    const value = convert(variable, raw);
    if (variable.scope === 'config') setPath(config, variable.path, value);
    else setPath((app ??= {}), variable.path, value);
  }
  if (unknown.length > 0) {
    throw new EnvError(
      `Unknown environment variable${unknown.length > 1 ? 's' : ''} ${unknown.sort().join(', ')}; ` +
        'see docs/configuration.md for the variables Switchboard reads',
    );
  }
  return { config, app, configFile: env[CONFIG_FILE_VARIABLE] };
}
