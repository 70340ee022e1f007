/** Request schemas of the catalogue routes. */
import { Type, type Static } from 'typebox';
import { ListQuery, Nullable } from '../../http/schemas.js';
import {
  CountriesField,
  CountryField,
  CurrencyField,
  DataBytesField,
  DescriptionField,
  PackNameField,
  PlanCodeField,
  PriceCentsField,
  ValidityDaysField,
} from './model.js';

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
