/**
 * REQUIRE_VERIFIED_EMAIL_TO_BUY: when on, buying a pack (POST /api/v1/packs) needs a confirmed e-mail
 * address. The packs module knows nothing of it: this onRoute hook, added before the packs routes are,
 * puts a preHandler (after authentication and validation) on that one route.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { forbidden } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { API_PREFIX } from '../module.js';

const BUY = { method: 'POST', url: `${API_PREFIX}/packs` };

const requireVerifiedEmail: preHandlerAsyncHookHandler = async (request: FastifyRequest) => {
  if (currentUser(request).email_verified_at === null) {
    throw forbidden(
      'EMAIL_NOT_VERIFIED',
      'Please confirm your e-mail address before buying: open the link we sent you ' +
        '(POST /api/v1/auth/verify-email/resend sends a new one).',
    );
  }
};

export function guardPurchasesByVerifiedEmail(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.method !== BUY.method || route.url !== BUY.url) return;
    const existing = route.preHandler ? [route.preHandler].flat() : [];
    route.preHandler = [...existing, requireVerifiedEmail];
  });
}
