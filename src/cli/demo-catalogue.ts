/**
 * The demo catalogue `seed-demo` writes: regional and global packs with EUR and USD prices, and the plan
 * the demo account gets a pack of.
 */

const GB = 1024 ** 3;

export interface DemoPlan {
  code: string;
  name: string;
  description: string;
  data_bytes: number;
  validity_days: number;
  price_cents: number;
  currency: 'EUR' | 'USD';
  countries: string[];
}

// EU member states plus the EEA and the UK and Switzerland, where EU roaming packs usually also work
// prettier-ignore
const EUROPE = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU',
  'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'CH', 'GB',
];
const ASIA = ['JP', 'KR', 'SG', 'TH', 'VN', 'MY', 'ID', 'PH', 'HK', 'TW', 'IN', 'KH'];
const AMERICAS = ['US', 'CA', 'MX'];
// prettier-ignore
const GLOBAL = [
  ...EUROPE, ...ASIA, ...AMERICAS,
  'AU', 'NZ', 'BR', 'AR', 'CL', 'ZA', 'AE', 'TR', 'IL', 'EG', 'MA',
];

export const DEMO_PLANS: readonly DemoPlan[] = [
  {
    code: 'EU-5GB-30D',
    name: 'Europe 5 GB',
    description: '5 GB across 32 European countries, valid 30 days from first use.',
    data_bytes: 5 * GB,
    validity_days: 30,
    price_cents: 1499,
    currency: 'EUR',
    countries: EUROPE,
  },
  {
    code: 'EU-20GB-30D',
    name: 'Europe 20 GB',
    description: '20 GB across 32 European countries, valid 30 days from first use.',
    data_bytes: 20 * GB,
    validity_days: 30,
    price_cents: 3499,
    currency: 'EUR',
    countries: EUROPE,
  },
  {
    code: 'FR-3GB-15D',
    name: 'France 3 GB',
    description: '3 GB in France (mainland and Corsica), valid 15 days.',
    data_bytes: 3 * GB,
    validity_days: 15,
    price_cents: 799,
    currency: 'EUR',
    countries: ['FR'],
  },
  {
    code: 'ES-PT-10GB-30D',
    name: 'Spain & Portugal 10 GB',
    description: '10 GB in Spain and Portugal, valid 30 days.',
    data_bytes: 10 * GB,
    validity_days: 30,
    price_cents: 1999,
    currency: 'EUR',
    countries: ['ES', 'PT'],
  },
  {
    code: 'TR-5GB-15D',
    name: 'Türkiye 5 GB',
    description: '5 GB in Türkiye, valid 15 days.',
    data_bytes: 5 * GB,
    validity_days: 15,
    price_cents: 1299,
    currency: 'EUR',
    countries: ['TR'],
  },
  {
    code: 'US-10GB-30D',
    name: 'USA 10 GB',
    description: '10 GB in the United States, valid 30 days.',
    data_bytes: 10 * GB,
    validity_days: 30,
    price_cents: 1900,
    currency: 'USD',
    countries: ['US'],
  },
  {
    code: 'NA-15GB-30D',
    name: 'North America 15 GB',
    description: '15 GB in the United States, Canada and Mexico, valid 30 days.',
    data_bytes: 15 * GB,
    validity_days: 30,
    price_cents: 2900,
    currency: 'USD',
    countries: AMERICAS,
  },
  {
    code: 'JP-5GB-14D',
    name: 'Japan 5 GB',
    description: '5 GB in Japan, valid 14 days.',
    data_bytes: 5 * GB,
    validity_days: 14,
    price_cents: 1200,
    currency: 'USD',
    countries: ['JP'],
  },
  {
    code: 'ASIA-10GB-30D',
    name: 'Asia 10 GB',
    description: '10 GB across 12 Asian destinations, valid 30 days.',
    data_bytes: 10 * GB,
    validity_days: 30,
    price_cents: 2700,
    currency: 'USD',
    countries: ASIA,
  },
  {
    code: 'GLOBAL-3GB-30D',
    name: 'Global 3 GB',
    description: '3 GB in 58 countries on six continents, valid 30 days.',
    data_bytes: 3 * GB,
    validity_days: 30,
    price_cents: 2400,
    currency: 'USD',
    countries: GLOBAL,
  },
  {
    code: 'GLOBAL-10GB-60D',
    name: 'Global 10 GB',
    description: '10 GB in 58 countries on six continents, valid 60 days.',
    data_bytes: 10 * GB,
    validity_days: 60,
    price_cents: 5900,
    currency: 'USD',
    countries: GLOBAL,
  },
];

/** The plan the demo account gets a pack of. */
export const DEMO_PACK_PLAN = 'EU-5GB-30D';
