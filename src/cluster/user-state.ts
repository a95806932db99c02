/**
 * UserState: which users are signed in, cluster-wide, for watchlist online/offline events. `add` and
 * `remove` are atomic, so exactly one caller sees a user come online (first signed-in connection
 * anywhere) and exactly one sees it go offline (last one gone).
 */
export interface UserState {
  /** Records a signed-in connection; true when it is the user's first (the user came online). */
  add(appId: string, userId: string, socketId: string): Promise<boolean>;
  /** Forgets a signed-in connection; true when it was the user's last (the user went offline). */
  remove(appId: string, userId: string, socketId: string): Promise<boolean>;
  /** The subset of `userIds` that is online, in the given order. */
  online(appId: string, userIds: readonly string[]): Promise<string[]>;
}
