/**
 * AppRepository: the apps table, read and written directly (no cache). Every call is bounded in
 * time and rejects with AppStoreUnavailableError when the database cannot answer, or with
 * AppConflictError when an id or key is taken. Rows that fail validation (edited by hand in SQL)
 * are left out and reported, never served.
 */
import type { AppRecord, StoredApp } from './app-record.js';

export interface AppRepository {
  /** Every app, oldest first. */
  list(): Promise<readonly StoredApp[]>;
  getByIds(ids: readonly string[]): Promise<readonly StoredApp[]>;
  getByKeys(keys: readonly string[]): Promise<readonly StoredApp[]>;
  /** Adds an app; AppConflictError when the id or key exists. */
  insert(record: AppRecord): Promise<StoredApp>;
  /**
   * Replaces the app if it is still at `expectedVersion` and returns it as stored now; undefined
   * when it was changed meanwhile or is gone (read it again and retry). AppConflictError when
   * the new key is another app's.
   */
  replace(record: AppRecord, expectedVersion: number): Promise<StoredApp | undefined>;
  /** True when the app existed. */
  remove(id: string): Promise<boolean>;
  /** Creates or migrates the table; the names of the migrations applied now. */
  migrate(): Promise<readonly string[]>;
  /** Statements sent so far (the tests count them). */
  readonly queryCount: number;
  close(): Promise<void>;
}
