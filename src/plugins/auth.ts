/**
 * Authentication guards. `authenticate` verifies the bearer JWT (HS256 pinned), then checks the user row
 * and the token's session (its refresh-token family, `sid`) through the session cache (src/sessions): a
 * hit touches no database; every change to either is published by the service that made it and reaches
 * every instance's cache at once, so a suspension, deletion, role change, logout or revocation takes
 * effect on the next request everywhere, and the role always comes from the stored row, never from a
 * claim. While the invalidation channel is down the cache is bypassed (the rows are read every time).
 * `requireAdmin` adds the role check; `authenticateMachine` admits an X-API-Key (checked, and its use
 * recorded, by the api-keys service) or an admin bearer.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { UserRow } from '../db/types.js';
import { forbidden, unauthorized } from '../errors.js';
import { refreshTokensRepo } from '../modules/auth/repository.js';
import type { AccessClaims } from '../modules/auth/service.js';
import { usersRepo } from '../modules/users/repository.js';
import type { AppContext } from '../context.js';

export type Principal =
  { kind: 'user'; user: UserRow; sessionId: string } | { kind: 'api_key'; keyId: string; name: string };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest) => Promise<void>;
    requireAdmin: (request: FastifyRequest) => Promise<void>;
    authenticateMachine: (request: FastifyRequest) => Promise<void>;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims;
    user: AccessClaims;
  }
}

/** The authenticated user of a request that passed `authenticate`. */
export function currentUser(request: FastifyRequest): UserRow {
  const p = request.principal;
  if (!p || p.kind !== 'user') throw unauthorized('UNAUTHENTICATED', 'Authentication required');
  return p.user;
}

export function currentSession(request: FastifyRequest): string {
  const p = request.principal;
  return p && p.kind === 'user' ? p.sessionId : '';
}

function bearerOf(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { ctx: AppContext; secret: string }) => {
    const { ctx } = opts;
    await app.register(fastifyJwt, {
      secret: opts.secret,
      sign: { algorithm: 'HS256' },
      // a token without an expiry (signable only with the secret, but still) must never live forever
      verify: { algorithms: ['HS256'], cache: 10000, requiredClaims: ['exp', 'sub'] },
    });
    app.decorateRequest('principal', null);

    // the rate limiter and authenticate both need the claims: verify once per request
    const verified = new WeakMap<FastifyRequest, AccessClaims | null>();
    function claimsOf(request: FastifyRequest): AccessClaims | null | undefined {
      const token = bearerOf(request);
      if (!token) return undefined;
      let claims = verified.get(request);
      if (claims === undefined) {
        try {
          claims = app.jwt.verify<AccessClaims>(token);
          if (typeof claims.sub !== 'string') claims = null;
        } catch {
          claims = null;
        }
        verified.set(request, claims);
      }
      return claims;
    }

    /** Verifies the JWT only (no DB): used by the rate limiter to key by user. */
    app.decorate('tokenSubject', (request: FastifyRequest) => claimsOf(request)?.sub);

    const { cache } = ctx.sessions;

    async function authenticate(request: FastifyRequest): Promise<void> {
      const claims = claimsOf(request);
      if (claims === undefined) throw unauthorized('UNAUTHENTICATED', 'A bearer token is required');
      if (claims === null) throw unauthorized('INVALID_TOKEN', 'The access token is invalid or expired');
      const { sub, sid } = claims;
      // every access token names its session; one without cannot be revoked, so it is not accepted
      if (typeof sid !== 'string' || sid === '')
        throw unauthorized('INVALID_TOKEN', 'The access token is invalid or expired');
      const user = await cache.getUser(sub, () => usersRepo.findById(ctx.db, sub));
      if (!user || user.status === 'deleted')
        throw unauthorized('INVALID_TOKEN', 'The account no longer exists');
      if (user.status === 'suspended') throw forbidden('ACCOUNT_SUSPENDED', 'This account is suspended');
      const live = await cache.isSessionLive(sub, sid, () =>
        refreshTokensRepo.isFamilyLive(ctx.db, sid, sub),
      );
      if (!live) throw unauthorized('SESSION_REVOKED', 'The session of this access token has ended');
      request.principal = { kind: 'user', user, sessionId: sid };
    }

    app.decorate('authenticate', authenticate);

    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      await authenticate(request);
      if (currentUser(request).role !== 'admin') throw forbidden('FORBIDDEN', 'Administrator role required');
    });

    app.decorate('authenticateMachine', async (request: FastifyRequest) => {
      const presented = request.headers['x-api-key'];
      if (typeof presented !== 'string' || presented === '') return app.requireAdmin(request);
      const key = await app.services.apiKeys.authenticate(presented);
      if (!key) throw unauthorized('INVALID_API_KEY', 'The API key is invalid');
      request.principal = { kind: 'api_key', keyId: key.id, name: key.name };
    });
  },
  { name: 'auth' },
);

declare module 'fastify' {
  interface FastifyInstance {
    tokenSubject: (request: FastifyRequest) => string | undefined;
  }
}
