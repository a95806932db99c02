/**
 * ConnectionState: connections per app, cluster-wide, for the `maxConnections` quota. `add` checks
 * and registers atomically, so concurrent connects on several nodes cannot overshoot the quota.
 */
export interface ConnectionState {
  /** Registers the connection; false (and nothing registered) when the app is at its quota. */
  add(appId: string, socketId: string, maxConnections: number | undefined): Promise<boolean>;
  remove(appId: string, socketId: string): Promise<void>;
  count(appId: string): Promise<number>;
}
