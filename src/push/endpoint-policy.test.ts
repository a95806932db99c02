import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointPolicy } from './endpoint-policy.js';

describe('push endpoint policy', () => {
  it('takes https: endpoints only by default, without credentials', () => {
    const allowed = endpointPolicy({ allowHttpEndpoints: false });
    assert.equal(allowed(new URL('https://fcm.googleapis.com/fcm/send/x')), true);
    assert.equal(allowed(new URL('http://127.0.0.1:8080/push/x')), false);
    assert.equal(allowed(new URL('https://user:pw@push.example/x')), false);
    assert.equal(endpointPolicy({ allowHttpEndpoints: true })(new URL('http://127.0.0.1:8080/push/x')), true);
  });

  it('narrows to the listed hosts and their subdomains', () => {
    const allowed = endpointPolicy({ allowHttpEndpoints: false, endpointHosts: ['push.services.mozilla.com', 'googleapis.com'] });
    assert.equal(allowed(new URL('https://updates.push.services.mozilla.com/wpush/v2/x')), true);
    assert.equal(allowed(new URL('https://fcm.googleapis.com/fcm/send/x')), true);
    assert.equal(allowed(new URL('https://evilgoogleapis.com/x')), false);
    assert.equal(allowed(new URL('https://169.254.169.254/latest')), false);
  });
});
