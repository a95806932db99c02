/**
 * An app as the store keeps it: id, key, secrets and enabled in their own columns, every other
 * per-app setting in `settings`, exactly as given (defaults are applied when read, so they follow
 * the server's version). One validation for every source: `appSchema` from config/schema.ts.
 */
import type { z } from 'zod';
import { appSchema } from '../config/schema.js';
import type { App, PreviousSecret } from './app-store.js';
import { AppValidationError } from './app-errors.js';

/** Per-app settings other than id, key, secret and enabled, as given (JSON values). */
export type AppSettings = Readonly<Record<string, unknown>>;

export interface AppRecord {
  readonly id: string;
  readonly key: string;
  readonly enabled: boolean;
  readonly secret: string;
  readonly previousSecret: PreviousSecret | undefined;
  readonly settings: AppSettings;
}

/** A record read back from the store. */
export interface StoredApp {
  readonly record: AppRecord;
  /** The record validated, defaults applied. */
  readonly app: App;
  /** Incremented by every write through Switchboard (optimistic concurrency). */
  readonly version: number;
  /** Changes whenever any column changes, also by hand in SQL: how a refresh notices edits. */
  readonly fingerprint: string;
}

/** Fields kept in their own columns, never inside `settings`. */
const COLUMN_FIELDS = new Set(['id', 'key', 'secret', 'enabled']);

/** `settings` without the fields that have columns. */
export function settingsOf(input: Readonly<Record<string, unknown>>): AppSettings {
  return Object.fromEntries(Object.entries(input).filter(([name]) => !COLUMN_FIELDS.has(name)));
}

/** The first zod issue as an AppValidationError naming the field by its config path. */
export function validationError(error: z.ZodError): AppValidationError {
  const issue = error.issues[0];
  if (issue === undefined) return new AppValidationError('', 'invalid app');
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const [first] = issue.keys;
    return new AppValidationError(path === '' ? (first ?? '') : `${path}.${first ?? ''}`, 'is not a per-app setting');
  }
  return new AppValidationError(path, issue.message);
}

/** Validates a record into the App it serves; throws AppValidationError naming the field. */
export function toApp(record: AppRecord): App {
  const result = appSchema.safeParse({ ...record.settings, id: record.id, key: record.key, secret: record.secret, enabled: record.enabled });
  if (!result.success) throw validationError(result.error);
  return record.previousSecret === undefined ? result.data : { ...result.data, previousSecret: record.previousSecret };
}

/**
 * The app as the admin API and the CLI show it: id, key, name, enabled, then every other
 * setting by its config name; never a secret.
 */
export function publicApp(app: App): Record<string, unknown> {
  const { id, key, name, enabled, secret: _secret, previousSecret: _previous, ...settings } = app;
  return { id, key, ...(name === undefined ? {} : { name }), enabled, ...settings };
}
