/**
 * The control kind that tells the other nodes an app was written in the app store: each re-reads
 * it (`keys`: the keys it had and has, to forget as unknown). See docs/apps.md.
 */
import { z } from 'zod';
import { controlKind } from '../cluster/control-kind.js';

export const APP_CHANGED = controlKind('app-changed', z.object({ appId: z.string(), keys: z.array(z.string()) }));
