/**
 * The chat backend API: `/apps/{id}/chat/...`, signed exactly like the Pusher HTTP API (the same
 * `authenticate` gate: auth_key, auth_timestamp, auth_version, body_md5, auth_signature), so the
 * `pusher` SDK's `get` and `post` call it. Only GET and POST (the SDK's two verbs): updates are
 * POSTs to the resource, deletions POSTs to `.../delete`. The app's backend is trusted: it acts
 * on any user and room, and sends as any member.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext } from '../api/api-context.js';
import { authenticate, type AuthenticatedRequest } from '../api/authenticate.js';
import type { Route, RouteParams } from '../http/router.js';
import { answer, jsonBody, messageIdOf, parsePage } from './chat-http.js';
import {
  backendMessageInput,
  editInput,
  membersInput,
  membersRemoval,
  roleInput,
  roomInput,
  roomUpdate,
  tokenInput,
  userInput,
  userUpdate,
} from './chat-input.js';
import type { ChatService } from './chat-service.js';
import { createChatToken } from './chat-token.js';
import { z } from 'zod';

type Handler = (signed: AuthenticatedRequest, params: RouteParams) => Promise<unknown>;

const publicRoomsQuery = z.object({ after: z.string().max(128).default(''), limit: z.coerce.number().int().min(1).max(100).default(100) });

export function chatBackendRoutes(context: ApiContext, chat: ChatService): Route[] {
  const route = (method: 'GET' | 'POST', path: string, handler: Handler, status = 200): Route => ({
    method,
    path: `/apps/:appId/chat${path}`,
    handler: async (request: IncomingMessage, response: ServerResponse, params: RouteParams) => {
      const signed = await authenticate(context, request, response, params['appId'] ?? '');
      if (signed === undefined) return;
      await answer(request, response, context.logger, () => handler(signed, params), status);
    },
  });
  const p = (params: RouteParams, name: string): string => params[name] ?? '';

  return [
    route('POST', '/tokens', ({ app, body }) => {
      const settings = chat.settings(app);
      const input = tokenInput.parse(jsonBody(body));
      const ttlSeconds = Math.min(input.ttl_seconds ?? 3_600, settings.maxTokenSeconds);
      const now = context.now();
      const token = createChatToken({ appId: app.id, secret: app.secret, userId: input.user_id, ttlSeconds, now });
      return Promise.resolve({ token, expires_at: Math.floor(now / 1000) + ttlSeconds });
    }),
    route(
      'POST',
      '/users',
      async ({ app, body }) => {
        const input = userInput.parse(jsonBody(body));
        return { user: await chat.createUser(app, input.id, input) };
      },
      201,
    ),
    route('GET', '/users/:userId', async ({ app }, params) => ({ user: await chat.getUser(app, p(params, 'userId')) })),
    route('POST', '/users/:userId', async ({ app, body }, params) => ({
      user: await chat.updateUser(app, p(params, 'userId'), userUpdate.parse(jsonBody(body))),
    })),
    route('POST', '/users/:userId/delete', async ({ app }, params) => {
      await chat.deleteUser(app, p(params, 'userId'));
      return {};
    }),
    route('GET', '/users/:userId/rooms', async ({ app }, params) => {
      await chat.getUser(app, p(params, 'userId'));
      return { rooms: await chat.roomsOf(app, p(params, 'userId')) };
    }),
    route(
      'POST',
      '/rooms',
      async ({ app, body }) => {
        const input = roomInput.parse(jsonBody(body));
        return { room: await chat.createRoom(app, { ...input, creatorId: input.creator_id, userIds: input.user_ids }) };
      },
      201,
    ),
    route('GET', '/rooms', async ({ app, query }) => {
      const page = publicRoomsQuery.parse({ after: query.get('after') ?? undefined, limit: query.get('limit') ?? undefined });
      return { rooms: await chat.publicRooms(app, page.after, page.limit) };
    }),
    route('GET', '/rooms/:roomId', async ({ app }, params) => ({ room: await chat.getRoom(app, p(params, 'roomId')) })),
    route('POST', '/rooms/:roomId', async ({ app, body }, params) => ({
      room: await chat.updateRoom(app, p(params, 'roomId'), roomUpdate.parse(jsonBody(body))),
    })),
    route('POST', '/rooms/:roomId/delete', async ({ app }, params) => {
      await chat.deleteRoom(app, p(params, 'roomId'));
      return {};
    }),
    route('GET', '/rooms/:roomId/members', async ({ app }, params) => ({ members: await chat.members(app, p(params, 'roomId')) })),
    route('POST', '/rooms/:roomId/members/add', async ({ app, body }, params) => {
      const input = membersInput.parse(jsonBody(body));
      return { added: await chat.addMembers(app, p(params, 'roomId'), input.user_ids, input.role) };
    }),
    route('POST', '/rooms/:roomId/members/remove', async ({ app, body }, params) => {
      const input = membersRemoval.parse(jsonBody(body));
      return { removed: await chat.removeMembers(app, p(params, 'roomId'), input.user_ids) };
    }),
    route('POST', '/rooms/:roomId/roles', async ({ app, body }, params) => {
      const input = roleInput.parse(jsonBody(body));
      await chat.setRole(app, p(params, 'roomId'), input.user_id, input.role);
      return {};
    }),
    route('POST', '/rooms/:roomId/messages', async ({ app, body }, params) => {
      const input = backendMessageInput.parse(jsonBody(body));
      const { message, created } = await chat.send(app, p(params, 'roomId'), input.sender_id, input.parts, input.client_key);
      return { message, created };
    }),
    route('GET', '/rooms/:roomId/messages', async ({ app, query }, params) => chat.page(app, p(params, 'roomId'), parsePage(query))),
    route('POST', '/rooms/:roomId/messages/:messageId', async ({ app, body }, params) => ({
      message: await chat.edit(app, p(params, 'roomId'), messageIdOf(params['messageId']), editInput.parse(jsonBody(body)).parts),
    })),
    route('POST', '/rooms/:roomId/messages/:messageId/delete', async ({ app }, params) => ({
      message: await chat.delete(app, p(params, 'roomId'), messageIdOf(params['messageId'])),
    })),
  ];
}
