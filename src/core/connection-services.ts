/**
 * What a Connection and each of its message handlers may use of the engine. Each handler declares
 * the slice of EngineContext it uses next to its code (SubscribeServices, SigninServices,
 * ClientEventServices); the engine builds every slice once, here, and all its connections share
 * them: nothing is built per connection or per message, and a handler cannot reach past its slice.
 */
import type { ClientEventServices } from './client-events.js';
import type { EngineContext } from './engine-context.js';
import type { SigninServices } from './signin.js';
import type { SubscribeServices } from './subscriptions.js';

/** What the Connection itself uses: its clock, its reports, its registration and release. */
export type ConnectionOwnServices = Pick<EngineContext, 'settings' | 'counters' | 'state' | 'logger' | 'tap' | 'now' | 'forget'>;

export interface ConnectionServices extends ConnectionOwnServices {
  readonly subscribe: SubscribeServices;
  readonly signin: SigninServices;
  readonly clientEvents: ClientEventServices;
}

/** Builds the slices from the engine's context; once per engine. */
export function connectionServices(context: EngineContext): ConnectionServices {
  const { settings, hub, routes, state, subscriptionCounts, webhooks, counters, tap, logger, now, publish, forget } = context;
  return {
    settings,
    counters,
    state,
    logger,
    tap,
    now,
    forget,
    subscribe: { settings, hub, routes, state, subscriptionCounts, webhooks, counters, tap, logger, now, publish },
    signin: { hub, routes, state, logger, now, publish },
    clientEvents: { webhooks, tap, publish },
  };
}
