/**
 * `storage.url`: `sqlite:<path>` (embedded, a file beside the server; `sqlite::memory:` for a
 * throwaway database) or `postgres://...` / `postgresql://...` (PostgreSQL, for clusters).
 */
export type StorageDialect = 'sqlite' | 'postgres';

export type StorageLocation =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string };

export const STORAGE_URL_PATTERN = /^(sqlite:.+|postgres(ql)?:\/\/\S+)$/;

export function parseStorageUrl(url: string): StorageLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', url };
  if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length) return { dialect: 'sqlite', path: url.slice('sqlite:'.length) };
  throw new Error('storage.url must be sqlite:<path> or postgres://...');
}
