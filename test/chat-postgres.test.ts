/** The chat contract on the real PostgreSQL, in a schema of its own (dropped after). */
import { after } from 'node:test';
import { chatContract } from './chat-contract.js';
import { dropPostgresSchema, POSTGRES_URL, uniquePostgresSchema } from './helpers/storage.js';

const schema = uniquePostgresSchema('chat');
after(() => dropPostgresSchema(schema));
chatContract('PostgreSQL', () => Promise.resolve({ url: POSTGRES_URL, schema }));
