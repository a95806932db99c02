/** The chat contract on SQLite (a temporary file). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { chatContract } from './chat-contract.js';

const directory = await mkdtemp(join(tmpdir(), 'sb-chat-'));
after(() => rm(directory, { recursive: true, force: true }));
chatContract('SQLite', () => Promise.resolve({ url: `sqlite:${join(directory, 'chat.db')}` }));
