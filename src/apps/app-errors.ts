/** What managing apps can fail with; the admin API and the CLI map each to an answer. */

/** A setting is invalid; `field` names it with its config name (`webhooks.0.url`). */
export class AppValidationError extends Error {
  override readonly name = 'AppValidationError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(field === '' ? message : `${field}: ${message}`);
    this.field = field;
  }
}

/** Another app already has this id or key. */
export class AppConflictError extends Error {
  override readonly name = 'AppConflictError';
  readonly field: 'id' | 'key';
  constructor(field: 'id' | 'key', value: string) {
    super(`an app with ${field} "${value}" already exists`);
    this.field = field;
  }
}

/** Writes need a database: apps come from the config file. */
export class ReadOnlyAppsError extends Error {
  override readonly name = 'ReadOnlyAppsError';
  constructor() {
    super('apps come from the config file; set appStore.url to manage them through the API');
  }
}
