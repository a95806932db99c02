/** The package version, read once from package.json. */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'switchboard' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // not at this depth; try the next
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
