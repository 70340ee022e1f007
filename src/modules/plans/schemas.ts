/**
 * TypeBox shapes of the catalogue: the public Plan, the request bodies and queries, and the field rules
 * every module that prices or sizes data shares (plans, purchases, admin grants): bounded integers for
 * bytes, days and money, ISO codes for the rest.
 */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, Timestamp, ref } from '../../http/schemas.js';
import { ISO_3166_1_ALPHA2, ISO_4217_CURRENCIES } from '../../lib/iso.js';

/** 10 TB: far above any sellable pack, far below 2^53 so sums stay exact. */
export const MAX_DATA_BYTES = 10_000_000_000_000;
export const MAX_VALIDITY_DAYS = 3650;
/** 1,000,000.00 in a two-decimal currency. */
export const MAX_PRICE_CENTS = 100_000_000;

export const CurrencyCode = Type.Enum([...ISO_4217_CURRENCIES], {
  $id: 'CurrencyCode',
  description: 'ISO 4217 alphabetic code of a currency in circulation',
});
export const CountryCode = Type.Enum([...ISO_3166_1_ALPHA2], {
  $id: 'CountryCode',
  description: 'ISO 3166-1 alpha-2 country code (upper case)',
});
export const CurrencyField = ref(CurrencyCode);
export const CountryField = ref(CountryCode);

export const PlanCodeField = Type.String({
  pattern: '^[A-Z0-9][A-Z0-9_-]{1,63}$',
  description: 'unique catalogue code: 2 to 64 of A-Z, 0-9, _ and -, starting with a letter or digit',
});
export const PackNameField = Type.String({ minLength: 1, maxLength: 200 });
/** The one text that may hold line breaks (see http/validator.ts: other text refuses control characters). */
export const DescriptionField = Type.String({ maxLength: 2000, 'x-multiline': true });
export const DataBytesField = Type.Integer({ minimum: 1, maximum: MAX_DATA_BYTES, description: 'bytes' });
export const ValidityDaysField = Type.Integer({
  minimum: 1,
  maximum: MAX_VALIDITY_DAYS,
  description: 'days of validity, counted from activation',
});
export const PriceCentsField = Type.Integer({
  minimum: 0,
  maximum: MAX_PRICE_CENTS,
  description: 'price in minor units of `currency`',
});
export const CountriesField = Type.Array(CountryField, {
  minItems: 1,
  maxItems: ISO_3166_1_ALPHA2.length,
  uniqueItems: true,
});

export const Plan = Type.Object(
  {
    id: Id,
    code: Type.String(),
    name: Type.String(),
    description: Nullable(Type.String()),
    data_bytes: Type.Integer({ minimum: 1 }),
    validity_days: Type.Integer({ minimum: 1 }),
    price_cents: Type.Integer({ minimum: 0 }),
    currency: Type.String(),
    countries: Type.Array(Type.String()),
    is_active: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Plan' },
);
export type PlanView = Static<typeof Plan>;

export const PlanCreateBody = Type.Object(
  {
    code: PlanCodeField,
    name: PackNameField,
    description: Type.Optional(Nullable(DescriptionField)),
    data_bytes: DataBytesField,
    validity_days: ValidityDaysField,
    price_cents: PriceCentsField,
    currency: CurrencyField,
    countries: CountriesField,
    is_active: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type PlanCreate = Static<typeof PlanCreateBody>;

export const PlanPatchBody = Type.Object(
  {
    code: Type.Optional(PlanCodeField),
    name: Type.Optional(PackNameField),
    description: Type.Optional(Nullable(DescriptionField)),
    data_bytes: Type.Optional(DataBytesField),
    validity_days: Type.Optional(ValidityDaysField),
    price_cents: Type.Optional(PriceCentsField),
    currency: Type.Optional(CurrencyField),
    countries: Type.Optional(CountriesField),
    is_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PlanPatch = Static<typeof PlanPatchBody>;

export const PublicPlanQuery = Type.Object(
  { country: Type.Optional(CountryField), ...ListQuery },
  { additionalProperties: false },
);

export const AdminPlanQuery = Type.Object(
  {
    country: Type.Optional(CountryField),
    is_active: Type.Optional(Type.Boolean({ description: 'only active (true) or inactive (false) plans' })),
    ...ListQuery,
  },
  { additionalProperties: false },
);
