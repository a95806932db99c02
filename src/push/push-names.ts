/**
 * Beams' naming rules, as its SDKs and API enforce them: interest names and user ids of up to 164
 * characters, interests of ASCII letters, digits and `_-=@,.;`; 1-100 interests and 1-1000 users
 * per publish; 5000 interests per device.
 */
export const MAX_NAME_LENGTH = 164;
export const MAX_PUBLISH_INTERESTS = 100;
export const MAX_PUBLISH_USERS = 1000;
export const MAX_DEVICE_INTERESTS = 5000;
/** Per user and platform (web). */
export const MAX_USER_DEVICES = 100;

const INTEREST_PATTERN = /^[A-Za-z0-9_\-=@,.;]{1,164}$/;

export function isInterestName(value: unknown): value is string {
  return typeof value === 'string' && INTEREST_PATTERN.test(value);
}

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}
