/** Docs generated from code, by repository path. */
import { renderConfigurationReference } from './config/reference.js';
import { renderErrorReference } from './protocol/errors-reference.js';

export const GENERATED_DOCS: Readonly<Record<string, () => string>> = {
  'docs/configuration.md': renderConfigurationReference,
  'docs/errors.md': renderErrorReference,
};
