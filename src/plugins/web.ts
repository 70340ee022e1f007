/**
 * The web app (web/, built into WEB_DIR by `npm run build`) served by the service: the customer app at /
 * and the console at /admin, one single-page app. Hashed files under /assets/ are cached for a year
 * (their name changes with their content) and sent brotli- or gzip-compressed as the browser accepts
 * (compressed at build time); the page itself is never cached, so a deploy shows at once.
 * The app's own paths (APP_PATHS, the routes web/src/App.tsx draws) answer the page; nothing else does,
 * so the API, the docs, /metrics and unknown paths keep their problem+json 404. The page gets a strict Content Security
 * Policy: only this origin's scripts, styles, images (and the QR code's blob: image), and API calls. Only when
 * card payments happen in the page (PAYMENT_PROVIDER=stripe with STRIPE_CHECKOUT=intent) does it also allow
 * what Stripe.js needs (STRIPE_JS_SOURCES): its script, its frames (the card fields, 3-D Secure) and its API.
 * Without a build (tests, `npm run dev`) nothing is mounted and / answers 404 as before.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What Stripe.js needs beyond 'self' (Stripe's integration security guide, without the Maps-backed address autocomplete). */
export const STRIPE_JS_SOURCES = {
  script: ['https://js.stripe.com', 'https://*.js.stripe.com'],
  frame: ['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com'],
  connect: ['https://api.stripe.com'],
};

/** The page's Content Security Policy; `stripeJs` adds Stripe.js's sources. */
export function appCsp(opts: { stripeJs?: boolean } = {}): string {
  const extra = (kind: keyof typeof STRIPE_JS_SOURCES) =>
    opts.stripeJs ? ` ${STRIPE_JS_SOURCES[kind].join(' ')}` : '';
  return [
    "default-src 'self'",
    `script-src 'self'${extra('script')}`,
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${extra('connect')}`,
    "font-src 'self'",
    "manifest-src 'self'",
    ...(opts.stripeJs ? [`frame-src${extra('frame')}`] : []),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const APP_CSP = appCsp();

/** The paths the app's router draws (web/src/App.tsx and pages/admin/AdminApp.tsx). */
export const APP_PATHS = [
  '/',
  '/signin',
  '/signup',
  '/forgot-password',
  '/reset-password',
  '/verify-email',
  '/orders',
  '/checkout/done',
  '/checkout/cancelled',
  '/account',
  '/esims',
  '/esims/:id',
  '/packs',
  '/buy/:planId',
  '/admin',
  '/admin/*',
];
const YEAR_S = 365 * 24 * 3600;

export const webPlugin = fp(
  async (app: FastifyInstance, opts: { dir: string; stripeJs?: boolean }) => {
    const root = resolve(opts.dir);
    const csp = appCsp({ stripeJs: opts.stripeJs });
    const indexFile = join(root, 'index.html');
    if (!existsSync(indexFile)) {
      app.log.info({ dir: root }, 'no web app build found: the web app is not served (run npm run build)');
      return;
    }
    const page = readFileSync(indexFile);
    const sendPage = (reply: FastifyReply) =>
      reply
        .header('content-security-policy', csp)
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(page);

    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      decorateReply: false,
      // the build writes .br and .gz beside each asset (web/vite.config.ts)
      preCompressed: true,
      setHeaders: (res, path) => {
        const hashed = path.startsWith(join(root, 'assets'));
        res.header('cache-control', hashed ? `public, max-age=${YEAR_S}, immutable` : 'no-cache');
        if (path.endsWith('.html')) res.header('content-security-policy', csp);
      },
    });

    const hide = { schema: { hide: true }, config: { rateLimit: false } };
    for (const path of APP_PATHS) app.get(path, hide, async (_request, reply) => sendPage(reply));
  },
  { name: 'web' },
);
