/** Words and numbers for people: data sizes, prices, countries with flags, dates, statuses. */
// the browser's language; 'en' where there is none (the unit tests run in Node)
const locale = (globalThis as { navigator?: { language?: string } }).navigator?.language || 'en';

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

export function formatPrice(cents: number, currency: string): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(cents / 10 ** digits);
}

const regionNames = new Intl.DisplayNames([locale, 'en'], { type: 'region' });

export function countryName(code: string): string {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** The flag emoji of an ISO 3166-1 alpha-2 code (two regional indicator letters). */
export function flag(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return '';
  return String.fromCodePoint(...[...code].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDay(iso: string): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(new Date(iso));
}

export function daysLeft(expiresAt: string | null | undefined, now = Date.now()): number | null {
  if (!expiresAt) return null;
  return Math.max(0, Math.ceil((new Date(expiresAt).getTime() - now) / 86_400_000));
}

export const ESIM_STATUS: Record<string, string> = {
  released: 'Ready to install: scan the QR code with your phone',
  downloaded: 'Downloaded to your phone, not installed yet',
  installed: 'Installed on your phone',
  enabled: 'Working: turned on in your phone',
  disabled: 'Installed but turned off in your phone settings',
  deleted: 'Removed',
};

export const PACK_STATUS: Record<string, string> = {
  pending: 'Not started yet: the days count from your first use',
  active: 'In use',
  depleted: 'All data used',
  expired: 'Expired',
  cancelled: 'Cancelled',
};
