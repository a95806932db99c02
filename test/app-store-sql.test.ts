/** The SQL app store contract against the real PostgreSQL and the real MariaDB of the machine. */
import { appRepositoryContract } from '../src/apps/app-repository.contract.js';
import { dropAppTables, MARIADB_URL, POSTGRES_URL, rawDatabase, uniqueTable } from './helpers/sql.js';

for (const [name, url] of [
  ['PostgreSQL', POSTGRES_URL],
  ['MariaDB', MARIADB_URL],
] as const) {
  appRepositoryContract(name, {
    url,
    uniqueTable,
    dropTables: (table) => dropAppTables(url, table),
    raw: () => rawDatabase(url),
  });
}
