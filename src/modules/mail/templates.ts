/**
 * The e-mails customers get, one template per kind. Each template is written once, as a subject and a
 * list of blocks (paragraphs and links); `renderMail` turns it into the plain-text and the HTML version,
 * escaping every value in the HTML. Pure: no I/O, no clock.
 */

export type MailKind =
  | 'purchase_receipt'
  | 'usage_80'
  | 'usage_100'
  | 'pack_expiring'
  | 'pack_expired'
  | 'password_changed'
  | 'account_suspended'
  | 'password_reset'
  | 'verify_email';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Who the mail is for: the greeting uses the name when there is one. */
export interface Recipient {
  fullName: string | null;
}

export interface PackFacts {
  packName: string;
  usedBytes?: number;
  leftBytes?: number;
  dataBytes?: number;
  /** Epoch ms. */
  expiresAt?: number | null;
}

export type MailData =
  | { kind: 'purchase_receipt'; pack: PackFacts; priceCents?: number; currency?: string }
  | { kind: 'usage_80' | 'usage_100' | 'pack_expiring' | 'pack_expired'; pack: PackFacts }
  | { kind: 'password_changed' | 'account_suspended' }
  | { kind: 'password_reset' | 'verify_email'; url: string; validMinutes: number };

type Block = { p: string } | { link: string; url: string };

interface Template {
  subject: string;
  blocks: Block[];
}

const SIGN_OFF = 'The KSWiFi team';

/** 5 GB, 1.2 GB, 350 MB: decimal units, as packs are sold. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  const shown = i === 0 || v >= 100 || Number.isInteger(v) ? Math.round(v) : Math.round(v * 10) / 10;
  return `${shown} ${units[i]}`;
}

/** 4.99 EUR */
export function formatMoney(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

/** 3 December 2026 at 14:05 UTC */
export function formatWhen(ms: number): string {
  const d = new Date(ms);
  const date = d.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${date} at ${time} UTC`;
}

function packTemplate(kind: MailData['kind'], pack: PackFacts, extra: { price?: string }): Template {
  const name = pack.packName;
  const left = pack.leftBytes !== undefined ? `You have ${formatBytes(pack.leftBytes)} left.` : '';
  const until = pack.expiresAt ? ` It works until ${formatWhen(pack.expiresAt)}.` : '';
  switch (kind) {
    case 'purchase_receipt':
      return {
        subject: `Your ${name} pack is ready`,
        blocks: [
          { p: `Thank you for your purchase. Your ${name} pack is ready to use.` },
          ...(pack.dataBytes !== undefined ? [{ p: `Data: ${formatBytes(pack.dataBytes)}.${until}` }] : []),
          ...(extra.price ? [{ p: `You paid ${extra.price}.` }] : []),
          { p: 'Keep this e-mail as your receipt.' },
        ],
      };
    case 'usage_80':
      return {
        subject: `You have used 80 % of your ${name} pack`,
        blocks: [
          { p: `You have used 80 % of your ${name} pack. ${left}`.trim() },
          { p: 'If you need more, you can buy another pack at any time.' },
        ],
      };
    case 'usage_100':
      return {
        subject: `You have used all the data of your ${name} pack`,
        blocks: [
          { p: `You have used 100 % of your ${name} pack, so it has no data left.` },
          { p: 'To stay online, buy a new pack.' },
        ],
      };
    case 'pack_expiring':
      return {
        subject: `Your ${name} pack ends in less than 24 hours`,
        blocks: [
          { p: `Your ${name} pack ends in less than 24 hours.${until} ${left}`.trim() },
          { p: 'Any data you have not used by then is lost.' },
        ],
      };
    default:
      return {
        subject: `Your ${name} pack has ended`,
        blocks: [
          { p: `Your ${name} pack has ended and can no longer be used.` },
          { p: 'To stay online, buy a new pack.' },
        ],
      };
  }
}

function template(data: MailData): Template {
  switch (data.kind) {
    case 'purchase_receipt':
      return packTemplate(data.kind, data.pack, {
        price:
          data.priceCents !== undefined && data.currency
            ? formatMoney(data.priceCents, data.currency)
            : undefined,
      });
    case 'usage_80':
    case 'usage_100':
    case 'pack_expiring':
    case 'pack_expired':
      return packTemplate(data.kind, data.pack, {});
    case 'password_changed':
      return {
        subject: 'Your password was changed',
        blocks: [
          { p: 'The password of your KSWiFi account was just changed.' },
          { p: 'If this was you, there is nothing to do.' },
          { p: 'If it was not you, reset your password now and write to our support.' },
        ],
      };
    case 'account_suspended':
      return {
        subject: 'Your account is suspended',
        blocks: [
          { p: 'Your KSWiFi account has been suspended, so you cannot sign in for now.' },
          { p: 'If you think this is a mistake, reply to this e-mail or write to our support.' },
        ],
      };
    case 'password_reset':
      return {
        subject: 'Reset your password',
        blocks: [
          {
            p: 'Someone asked to reset the password of your KSWiFi account. To choose a new one, open this link:',
          },
          { link: 'Choose a new password', url: data.url },
          { p: `The link works once, for ${data.validMinutes} minutes.` },
          { p: 'If you did not ask for this, ignore this e-mail: your password stays the same.' },
        ],
      };
    case 'verify_email':
      return {
        subject: 'Please confirm your e-mail address',
        blocks: [
          { p: 'Welcome to KSWiFi! Please confirm that this is your e-mail address by opening this link:' },
          { link: 'Confirm my e-mail address', url: data.url },
          { p: `The link works once, for ${Math.round(data.validMinutes / 60)} hours.` },
          { p: 'If you did not create a KSWiFi account, ignore this e-mail.' },
        ],
      };
  }
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function greeting(to: Recipient): string {
  const name = to.fullName?.trim();
  return name ? `Hello ${name},` : 'Hello,';
}

export function renderMail(to: Recipient, data: MailData): RenderedMail {
  const t = template(data);
  const blocks: Block[] = [{ p: greeting(to) }, ...t.blocks, { p: SIGN_OFF }];
  const text = blocks.map((b) => ('p' in b ? b.p : `${b.link}: ${b.url}`)).join('\n\n');
  const body = blocks
    .map((b) =>
      'p' in b
        ? `<p>${escapeHtml(b.p)}</p>`
        : `<p><a href="${escapeHtml(b.url)}">${escapeHtml(b.link)}</a></p>`,
    )
    .join('\n');
  const html =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(t.subject)}</title></head>` +
    `<body style="font-family: sans-serif; line-height: 1.5">\n${body}\n</body></html>\n`;
  return { subject: t.subject, text: `${text}\n`, html };
}
