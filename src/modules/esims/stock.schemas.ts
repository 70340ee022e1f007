/** The TypeBox shapes of the profile stock routes (operators' own SM-DP+ inventory). */
import { Type, type Static } from 'typebox';

const ProfileType = Type.String({
  pattern: '^[A-Za-z0-9_.-]{1,64}$',
  description: 'the SM-DP+ profile type (1 to 64 letters, digits, _ . -)',
});

export const StockImportBody = Type.Object(
  {
    csv: Type.String({
      minLength: 1,
      maxLength: 1_000_000,
      'x-multiline': true,
      description: 'lines of `ICCID,IMSI,PROFILE_TYPE` (a first line `ICCID,...` is a header), at most 1 MB',
    }),
  },
  { additionalProperties: false },
);

export const StockImportResult = Type.Object(
  {
    imported: Type.Integer({ minimum: 0, description: 'new profiles added to the stock' }),
    unchanged: Type.Integer({
      minimum: 0,
      description: 'profiles already in stock (a re-import changes nothing)',
    }),
    rejected: Type.Array(Type.Object({ line: Type.Integer({ minimum: 1 }), reason: Type.String() }), {
      description: 'refused lines, by line number',
    }),
  },
  { $id: 'StockImportResult' },
);
export type StockImportResultView = Static<typeof StockImportResult>;

export const StockLevel = Type.Object(
  {
    profile_type: Type.String(),
    available: Type.Integer({ minimum: 0 }),
    allocated: Type.Integer({ minimum: 0 }),
    unavailable: Type.Integer({ minimum: 0 }),
    total: Type.Integer({ minimum: 0 }),
    low_water: Type.Integer({
      minimum: 0,
      description: 'an admin alert is raised when available falls below it',
    }),
    low: Type.Boolean(),
  },
  { $id: 'StockLevel' },
);

export const StockLevels = Type.Object({ items: Type.Array(Type.Ref('StockLevel')) });

export const LowWaterBody = Type.Object(
  { profile_type: ProfileType, low_water: Type.Integer({ minimum: 0, maximum: 1_000_000 }) },
  { additionalProperties: false },
);
