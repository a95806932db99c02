/**
 * PushStore: the devices, their interests and users, and each app's VAPID key pair. Two
 * implementations share one contract suite (push-store.contract.ts): SqlPushStore on the
 * project's storage layer (SQLite or PostgreSQL) and MemoryPushStore (tests and benchmarks).
 *
 * Device ids are `web-<uuid>`, unguessable: the device API is public, as Beams' is, and knowing a
 * device id is what lets a browser manage its own device. Every method is scoped by app id.
 */
export interface VapidKeyPair {
  /** Uncompressed P-256 point, base64url (the applicationServerKey browsers subscribe with). */
  readonly publicKey: string;
  /** The private scalar, base64url. */
  readonly privateKey: string;
}

/** What delivery needs of a device; carried in queue jobs. */
export interface DeviceTarget {
  readonly id: string;
  readonly endpoint: string;
  readonly p256dh: string;
  readonly auth: string;
  /** The device's user, in the pages of a publish to users (for its per-user outcomes). */
  readonly userId?: string | undefined;
}

export interface Device extends DeviceTarget {
  readonly userId: string | undefined;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export interface NewDevice {
  readonly id: string;
  readonly endpoint: string;
  readonly p256dh: string;
  readonly auth: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export type SetUserResult = 'ok' | 'not-found' | 'other-user' | 'too-many-devices';
export type AddInterestResult = 'ok' | 'not-found' | 'too-many';

export interface InterestPage {
  readonly interests: readonly string[];
  /** Present when there are more. */
  readonly nextCursor: string | undefined;
}

export interface PushStore {
  /** The app's key pair, or undefined before the first one is made. */
  vapidKeys(appId: string): Promise<VapidKeyPair | undefined>;
  /** Stores `keys` unless the app has a pair already; resolves with the pair that is stored (race-safe). */
  saveVapidKeys(appId: string, keys: VapidKeyPair): Promise<VapidKeyPair>;

  /**
   * Registers a device; a subscription endpoint registered before keeps its device (id, user,
   * interests) with the new keys and metadata. Resolves with the device id.
   */
  registerDevice(appId: string, device: NewDevice): Promise<string>;
  device(appId: string, deviceId: string): Promise<Device | undefined>;
  /** Removes the device with its interests; false when there was none. */
  deleteDevice(appId: string, deviceId: string): Promise<boolean>;
  /** Removes every device of the user; resolves with how many. */
  deleteUser(appId: string, userId: string): Promise<number>;
  setUser(appId: string, deviceId: string, userId: string, maxDevicesPerUser: number): Promise<SetUserResult>;
  setMetadata(appId: string, deviceId: string, metadata: Readonly<Record<string, unknown>>): Promise<boolean>;

  addInterest(appId: string, deviceId: string, interest: string, maxInterests: number): Promise<AddInterestResult>;
  /** False when the device does not exist (removing an interest it lacks is fine). */
  removeInterest(appId: string, deviceId: string, interest: string): Promise<boolean>;
  /** Replaces the device's interests; false when the device does not exist. */
  setInterests(appId: string, deviceId: string, interests: readonly string[]): Promise<boolean>;
  /** Interests in name order after `cursor`; undefined when the device does not exist. */
  interests(appId: string, deviceId: string, limit: number, cursor: string | undefined): Promise<InterestPage | undefined>;

  /**
   * Devices subscribed to any of `interests` (each once), in id order after `after`, at most
   * `limit`: the fan-out reads a publish's audience page by page.
   */
  devicesForInterests(appId: string, interests: readonly string[], after: string | undefined, limit: number): Promise<readonly DeviceTarget[]>;
  /** Devices of any of `userIds`, in id order after `after`, at most `limit`. */
  devicesForUsers(appId: string, userIds: readonly string[], after: string | undefined, limit: number): Promise<readonly DeviceTarget[]>;
}
