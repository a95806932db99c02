import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { AuthRequestError, ChannelAuthorizer } from './auth.js';

const APP = { id: 'app-id', key: 'app-key', secret: 'app-secret' };
const authorizer = new ChannelAuthorizer(APP, '127.0.0.1', 6001);

function signature(text: string): string {
  return createHmac('sha256', APP.secret).update(text).digest('hex');
}

function refusal(form: Record<string, string>): number {
  try {
    authorizer.authorize(new URLSearchParams(form));
  } catch (error) {
    if (error instanceof AuthRequestError) return error.status;
    throw error;
  }
  return 200;
}

describe('examples: the auth endpoint', () => {
  it('signs a private channel with the app secret', () => {
    const response = authorizer.authorize(new URLSearchParams({ socket_id: '1.2', channel_name: 'private-controller-abc' }));
    assert.equal(response.auth, `app-key:${signature('1.2:private-controller-abc')}`);
  });

  it('signs a presence channel with the user id and name as its user_info', () => {
    const response = authorizer.authorize(new URLSearchParams({ socket_id: '1.2', channel_name: 'presence-docs-abc', user_id: 'u1', name: ' Ana ' }));
    assert.equal(response.channel_data, JSON.stringify({ user_id: 'u1', user_info: { name: 'Ana' } }));
    assert.equal(response.auth, `app-key:${signature(`1.2:presence-docs-abc:${response.channel_data ?? ''}`)}`);
  });

  it('refuses malformed requests with a 4xx', () => {
    assert.equal(refusal({ socket_id: 'x', channel_name: 'private-a' }), 400);
    assert.equal(refusal({ socket_id: '1.2', channel_name: 'public-a' }), 403);
    assert.equal(refusal({ socket_id: '1.2', channel_name: 'presence-a', user_id: 'u1' }), 400, 'no name');
    assert.equal(refusal({ socket_id: '1.2', channel_name: 'presence-a', user_id: 'u1', name: 'x'.repeat(41) }), 400);
    assert.equal(refusal({ socket_id: '1.2', channel_name: 'presence-a', user_id: 'not valid!', name: 'Ana' }), 400);
  });
});
