/**
 * The configuration of the features that keep data: the storage layer (`storage`) and in-app chat
 * (`apps[].chat`). Part of the one schema (schema.ts), kept here so each file stays one concern.
 */
import { z } from 'zod';
import { STORAGE_URL_PATTERN } from './storage-url.js';

const positiveInt = () => z.int().positive();

export const storageSchema = z
  .strictObject({
    url: z
      .string()
      .regex(STORAGE_URL_PATTERN, 'must be sqlite:<path> or postgres://...')
      .default('sqlite:./switchboard.db')
      .describe(
        'Database of the features that keep data (in-app chat): sqlite:<path> (embedded, one node; the file and its directory are created) or postgres://user:password@host:port/db (clusters). Opened only when such a feature is on: a Channels-only server opens nothing.',
      ),
    schema: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'use letters, digits and _, not starting with a digit')
      .optional()
      .describe('PostgreSQL only: the schema holding the tables (created by the migration). Unset: the connection\'s search_path (public).'),
    poolSize: positiveInt().max(100).default(10).describe('Most PostgreSQL connections per process.'),
    queryTimeoutMs: positiveInt()
      .default(5_000)
      .describe('Milliseconds a database connection attempt or statement may take (SQLite: how long a write waits for another writer) before it fails (503).'),
  })
  .prefault({})
  .describe('The storage layer shared by the features that keep data (see docs/chat.md); migrated at boot and by switchboard migrate.');

export const chatSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve chat for this app (set false to switch it off and keep the settings).'),
    maxMessageBytes: z
      .int()
      .min(1_024)
      .default(16_384)
      .describe("Largest message, in bytes of its parts' JSON (413 over it)."),
    maxPartsPerMessage: positiveInt().max(100).default(10).describe('Most parts in one message (400 over it).'),
    maxRoomsPerUser: positiveInt().default(1_000).describe('Most rooms one user may be a member of (409 over it).'),
    maxMembersPerRoom: positiveInt()
      .default(1_000)
      .describe("Most members of one room (409 over it); also the room channel's presence member cap."),
    messagesPerSecond: positiveInt()
      .default(10)
      .describe('Messages one user may send per second, per node (bursts of this many; 429 with Retry-After over it).'),
    maxTokenSeconds: positiveInt().default(86_400).describe('Longest lifetime a user token may have (tokens expiring later are refused).'),
    retainMessages: positiveInt()
      .optional()
      .describe('Messages kept per room (the oldest beyond it are removed; clients that missed them get a discontinuity). Unset: every message is kept.'),
  })
  .describe('In-app chat settings of an app.');
