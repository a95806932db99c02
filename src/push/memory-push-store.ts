/**
 * PushStore in this process's memory: for tests and benchmarks (see push-store.ts). Lost on
 * restart; the server uses SqlPushStore.
 */
import type { AddInterestResult, Device, DeviceTarget, InterestPage, NewDevice, PushStore, SetUserResult, VapidKeyPair } from './push-store.js';

interface StoredDevice {
  device: Device;
  readonly interests: Set<string>;
}

interface AppData {
  keys: VapidKeyPair | undefined;
  readonly devices: Map<string, StoredDevice>;
  readonly byEndpoint: Map<string, string>;
}

export class MemoryPushStore implements PushStore {
  readonly #apps = new Map<string, AppData>();

  #app(appId: string): AppData {
    let data = this.#apps.get(appId);
    if (data === undefined) {
      data = { keys: undefined, devices: new Map(), byEndpoint: new Map() };
      this.#apps.set(appId, data);
    }
    return data;
  }

  vapidKeys(appId: string): Promise<VapidKeyPair | undefined> {
    return Promise.resolve(this.#app(appId).keys);
  }

  saveVapidKeys(appId: string, keys: VapidKeyPair): Promise<VapidKeyPair> {
    const data = this.#app(appId);
    data.keys ??= keys;
    return Promise.resolve(data.keys);
  }

  registerDevice(appId: string, device: NewDevice): Promise<string> {
    const data = this.#app(appId);
    const existingId = data.byEndpoint.get(device.endpoint);
    const existing = existingId === undefined ? undefined : data.devices.get(existingId);
    if (existing !== undefined) {
      existing.device = { ...existing.device, p256dh: device.p256dh, auth: device.auth, metadata: device.metadata };
      return Promise.resolve(existing.device.id);
    }
    data.devices.set(device.id, { device: { ...device, userId: undefined }, interests: new Set() });
    data.byEndpoint.set(device.endpoint, device.id);
    return Promise.resolve(device.id);
  }

  device(appId: string, deviceId: string): Promise<Device | undefined> {
    return Promise.resolve(this.#app(appId).devices.get(deviceId)?.device);
  }

  deleteDevice(appId: string, deviceId: string): Promise<boolean> {
    const data = this.#app(appId);
    const stored = data.devices.get(deviceId);
    if (stored === undefined) return Promise.resolve(false);
    data.devices.delete(deviceId);
    data.byEndpoint.delete(stored.device.endpoint);
    return Promise.resolve(true);
  }

  async deleteUser(appId: string, userId: string): Promise<number> {
    const ids = [...this.#app(appId).devices.values()].filter((stored) => stored.device.userId === userId).map((stored) => stored.device.id);
    for (const id of ids) await this.deleteDevice(appId, id);
    return ids.length;
  }

  setUser(appId: string, deviceId: string, userId: string, maxDevicesPerUser: number): Promise<SetUserResult> {
    const data = this.#app(appId);
    const stored = data.devices.get(deviceId);
    if (stored === undefined) return Promise.resolve('not-found');
    if (stored.device.userId === userId) return Promise.resolve('ok');
    if (stored.device.userId !== undefined) return Promise.resolve('other-user');
    let count = 0;
    for (const other of data.devices.values()) if (other.device.userId === userId) count += 1;
    if (count >= maxDevicesPerUser) return Promise.resolve('too-many-devices');
    stored.device = { ...stored.device, userId };
    return Promise.resolve('ok');
  }

  setMetadata(appId: string, deviceId: string, metadata: Readonly<Record<string, unknown>>): Promise<boolean> {
    const stored = this.#app(appId).devices.get(deviceId);
    if (stored === undefined) return Promise.resolve(false);
    stored.device = { ...stored.device, metadata };
    return Promise.resolve(true);
  }

  addInterest(appId: string, deviceId: string, interest: string, maxInterests: number): Promise<AddInterestResult> {
    const stored = this.#app(appId).devices.get(deviceId);
    if (stored === undefined) return Promise.resolve('not-found');
    if (stored.interests.has(interest)) return Promise.resolve('ok');
    if (stored.interests.size >= maxInterests) return Promise.resolve('too-many');
    stored.interests.add(interest);
    return Promise.resolve('ok');
  }

  removeInterest(appId: string, deviceId: string, interest: string): Promise<boolean> {
    const stored = this.#app(appId).devices.get(deviceId);
    if (stored === undefined) return Promise.resolve(false);
    stored.interests.delete(interest);
    return Promise.resolve(true);
  }

  setInterests(appId: string, deviceId: string, interests: readonly string[]): Promise<boolean> {
    const stored = this.#app(appId).devices.get(deviceId);
    if (stored === undefined) return Promise.resolve(false);
    stored.interests.clear();
    for (const interest of interests) stored.interests.add(interest);
    return Promise.resolve(true);
  }

  interests(appId: string, deviceId: string, limit: number, cursor: string | undefined): Promise<InterestPage | undefined> {
    const stored = this.#app(appId).devices.get(deviceId);
    if (stored === undefined) return Promise.resolve(undefined);
    const sorted = [...stored.interests].sort().filter((name) => cursor === undefined || name > cursor);
    const page = sorted.slice(0, limit);
    return Promise.resolve({ interests: page, nextCursor: sorted.length > limit ? page[page.length - 1] : undefined });
  }

  devicesForInterests(appId: string, interests: readonly string[], after: string | undefined, limit: number): Promise<readonly DeviceTarget[]> {
    return Promise.resolve(this.#page(appId, (stored) => interests.some((interest) => stored.interests.has(interest)), after, limit));
  }

  devicesForUsers(appId: string, userIds: readonly string[], after: string | undefined, limit: number): Promise<readonly DeviceTarget[]> {
    const users = new Set(userIds);
    const page = this.#page(appId, (stored) => stored.device.userId !== undefined && users.has(stored.device.userId), after, limit);
    return Promise.resolve(page.map((target) => {
      const userId = this.#app(appId).devices.get(target.id)?.device.userId;
      return userId === undefined ? target : { ...target, userId };
    }));
  }

  #page(appId: string, matches: (stored: StoredDevice) => boolean, after: string | undefined, limit: number): DeviceTarget[] {
    const found: DeviceTarget[] = [];
    for (const stored of this.#app(appId).devices.values()) {
      if ((after === undefined || stored.device.id > after) && matches(stored)) found.push(targetOf(stored.device));
    }
    return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit);
  }
}

function targetOf(device: Device): DeviceTarget {
  return { id: device.id, endpoint: device.endpoint, p256dh: device.p256dh, auth: device.auth };
}
