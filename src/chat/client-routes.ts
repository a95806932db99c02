/**
 * The chat client API: `/apps/{id}/chat/client/...`, called by browsers and apps with a user
 * token (`Authorization: Bearer <token>`, see chat-token.ts); every call acts as that user, and
 * the user's role in the room decides. `POST .../client/auth` is pusher-js's channel
 * authorization endpoint: it signs the room's presence channel for members only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ApiContext } from '../api/api-context.js';
import { AppStoreUnavailableError, type App } from '../apps/app-store.js';
import { BodyAbortedError, BodyTooLargeError, readBody } from '../http/read-body.js';
import { sendError } from '../http/respond.js';
import type { Route, RouteParams } from '../http/router.js';
import { ApiErrors } from '../protocol/errors.js';
import { channelStringToSign, signToken } from '../protocol/signatures.js';
import { ChatError } from './chat-error.js';
import { answer, jsonBody, messageIdOf, parsePage } from './chat-http.js';
import { channelAuthInput, cursorInput, editInput, membersInput, membersRemoval, messageInput, roomInput, roomUpdate } from './chat-input.js';
import { ROOM_CHANNEL_PREFIX } from './chat-model.js';
import type { ChatService } from './chat-service.js';
import { verifyChatToken } from './chat-token.js';

interface ClientRequest {
  readonly app: App;
  readonly userId: string;
  readonly body: Buffer;
  readonly query: URLSearchParams;
}

type Handler = (client: ClientRequest, params: RouteParams) => Promise<unknown>;

const publicRoomsQuery = z.object({ after: z.string().max(128).default(''), limit: z.coerce.number().int().min(1).max(100).default(100) });

export function chatClientRoutes(context: ApiContext, chat: ChatService): Route[] {
  const route = (method: 'GET' | 'POST', path: string, handler: Handler, status = 200): Route => ({
    method,
    path: `/apps/:appId/chat/client${path}`,
    handler: async (request: IncomingMessage, response: ServerResponse, params: RouteParams) => {
      const body = await readClientBody(context, request, response);
      if (body === undefined) return;
      await answer(
        request,
        response,
        context.logger,
        async () => {
          const client = await identify(context, chat, request, params['appId'] ?? '', body);
          return handler(client, params);
        },
        status,
      );
    },
  });
  const room = (params: RouteParams): string => params['roomId'] ?? '';

  return [
    route('POST', '/auth', async ({ app, userId, body }) => {
      const input = channelAuthInput.parse(Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
      if (!input.channel_name.startsWith(ROOM_CHANNEL_PREFIX)) throw new ChatError(ApiErrors.chatForbidden, 'Only room channels (presence-chat-<room id>) are authorized here');
      const roomId = input.channel_name.slice(ROOM_CHANNEL_PREFIX.length);
      const member = await chat.membership(app, roomId, userId);
      if (member === undefined) {
        await chat.getRoom(app, roomId);
        throw new ChatError(ApiErrors.chatNotMember, `${userId} is not a member of room ${roomId}`);
      }
      const user = await chat.getUser(app, userId);
      const channelData = JSON.stringify({ user_id: userId, user_info: { name: user.name, avatar_url: user.avatar_url } });
      return { auth: signToken(app, channelStringToSign(input.socket_id, input.channel_name, channelData)), channel_data: channelData };
    }),
    route('GET', '/me', async ({ app, userId }) => ({ user: await chat.getUser(app, userId) })),
    route('GET', '/rooms', async ({ app, userId }) => ({ rooms: await chat.roomsOf(app, userId) })),
    route('GET', '/public-rooms', async ({ app, query }) => {
      const page = publicRoomsQuery.parse({ after: query.get('after') ?? undefined, limit: query.get('limit') ?? undefined });
      return { rooms: await chat.publicRooms(app, page.after, page.limit) };
    }),
    route(
      'POST',
      '/rooms',
      async ({ app, userId, body }) => {
        const input = roomInput.parse(jsonBody(body));
        return { room: await chat.createRoom(app, { ...input, creatorId: userId, userIds: input.user_ids }) };
      },
      201,
    ),
    route('GET', '/rooms/:roomId', async ({ app, userId }, params) => ({ room: await chat.getRoom(app, room(params), userId) })),
    route('POST', '/rooms/:roomId', async ({ app, userId, body }, params) => ({
      room: await chat.updateRoom(app, room(params), roomUpdate.parse(jsonBody(body)), userId),
    })),
    route('POST', '/rooms/:roomId/delete', async ({ app, userId }, params) => {
      await chat.deleteRoom(app, room(params), userId);
      return {};
    }),
    route('POST', '/rooms/:roomId/join', async ({ app, userId }, params) => ({ room: await chat.join(app, room(params), userId) })),
    route('POST', '/rooms/:roomId/leave', async ({ app, userId }, params) => {
      await chat.leave(app, room(params), userId);
      return {};
    }),
    route('GET', '/rooms/:roomId/members', async ({ app, userId }, params) => ({ members: await chat.members(app, room(params), userId) })),
    route('POST', '/rooms/:roomId/members/add', async ({ app, userId, body }, params) => {
      const input = membersInput.parse(jsonBody(body));
      return { added: await chat.addMembers(app, room(params), input.user_ids, input.role, userId) };
    }),
    route('POST', '/rooms/:roomId/members/remove', async ({ app, userId, body }, params) => {
      const input = membersRemoval.parse(jsonBody(body));
      return { removed: await chat.removeMembers(app, room(params), input.user_ids, userId) };
    }),
    route('POST', '/rooms/:roomId/messages', async ({ app, userId, body }, params) => {
      const input = messageInput.parse(jsonBody(body));
      return chat.send(app, room(params), userId, input.parts, input.client_key);
    }),
    route('GET', '/rooms/:roomId/messages', async ({ app, userId, query }, params) => chat.page(app, room(params), parsePage(query), userId)),
    route('POST', '/rooms/:roomId/messages/:messageId', async ({ app, userId, body }, params) => ({
      message: await chat.edit(app, room(params), messageIdOf(params['messageId']), editInput.parse(jsonBody(body)).parts, userId),
    })),
    route('POST', '/rooms/:roomId/messages/:messageId/delete', async ({ app, userId }, params) => ({
      message: await chat.delete(app, room(params), messageIdOf(params['messageId']), userId),
    })),
    route('POST', '/rooms/:roomId/cursor', async ({ app, userId, body }, params) => ({
      position: await chat.setCursor(app, room(params), userId, cursorInput.parse(jsonBody(body)).position),
    })),
    route('POST', '/rooms/:roomId/typing', async ({ app, userId }, params) => {
      await chat.typing(app, room(params), userId);
      return {};
    }),
  ];
}

/** The body within http.maxBodyBytes; answers 413 itself (undefined: stop). */
async function readClientBody(context: ApiContext, request: IncomingMessage, response: ServerResponse): Promise<Buffer | undefined> {
  try {
    return await readBody(request, context.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendError(request, response, ApiErrors.bodyTooLarge, `Request ${error.message}`, { connection: 'close' });
      return undefined;
    }
    if (error instanceof BodyAbortedError) {
      response.destroy();
      return undefined;
    }
    throw error;
  }
}

/** The app (404, 503, 403 disabled, 404 chat off) and the token's user (401), before anything else. */
async function identify(context: ApiContext, chat: ChatService, request: IncomingMessage, appId: string, body: Buffer): Promise<ClientRequest> {
  let app: App | undefined;
  try {
    app = await context.apps.findById(appId);
  } catch (error) {
    if (error instanceof AppStoreUnavailableError) throw new ChatError(ApiErrors.appStoreUnavailable, undefined, 1);
    throw error;
  }
  if (app === undefined) throw new ChatError(ApiErrors.appNotFound, `The app ${appId} could not be found`);
  if (!app.enabled) throw new ChatError(ApiErrors.appDisabled);
  const settings = chat.settings(app);
  const header = request.headers.authorization ?? '';
  const match = /^Bearer (\S+)$/i.exec(header);
  if (match?.[1] === undefined) throw new ChatError(ApiErrors.chatTokenMissing);
  const check = verifyChatToken(app, match[1], context.now(), settings.maxTokenSeconds);
  if (!check.ok) throw new ChatError(check.reason === 'expired' ? ApiErrors.chatTokenExpired : ApiErrors.chatTokenInvalid);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  return { app, userId: check.userId, body, query: new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)) };
}
