/**
 * The local push service (test/helpers/push-service.ts: VAPID checked, every message decrypted)
 * in a process of its own, so that its work does not share Switchboard's CPU time in the push
 * benchmark. Driven over IPC: `subscribe` makes subscriptions (keys stay here), `count` reports the
 * messages delivered so far and the CPU time this process has used.
 */
import { LocalPushService } from '../../test/helpers/push-service.js';

type Request = { readonly type: 'subscribe'; readonly count: number; readonly key: string } | { readonly type: 'count' } | { readonly type: 'close' };

const service = await LocalPushService.start();
process.on('message', (request: Request) => {
  if (request.type === 'subscribe') {
    const list = Array.from({ length: request.count }, () => {
      const subscription = service.subscribe(request.key);
      return { endpoint: subscription.endpoint, p256dh: subscription.keys.p256dh, auth: subscription.keys.auth };
    });
    process.send?.({ type: 'subscriptions', list });
  } else if (request.type === 'count') {
    const cpu = process.cpuUsage();
    process.send?.({ type: 'count', delivered: service.deliveredCount, refused: service.attempts.filter((attempt) => attempt.status >= 400).length, cpuMs: (cpu.user + cpu.system) / 1000 });
  } else {
    void service.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready' });
