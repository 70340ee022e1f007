/** TypeBox schemas of the usage routes: the feed's batch and its answer, records, summaries, buckets. */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Timestamp, ref } from '../../http/schemas.js';

export const MAX_BATCH = 1000;
/** 1 TiB in one record is far beyond any real session and keeps every sum exact. */
export const MAX_RECORD_BYTES = 2 ** 40;

export const UsageRecordInput = Type.Object(
  {
    event_id: Type.String({ minLength: 1, maxLength: 128, description: 'the feed’s unique id of the event' }),
    iccid: Type.String({ pattern: '^[0-9]{19,20}$', description: 'ICCID of the eSIM, 19 or 20 digits' }),
    bytes: Type.Integer({ minimum: 0, maximum: MAX_RECORD_BYTES }),
    occurred_at: Timestamp,
  },
  { additionalProperties: false },
);

export const IngestBody = Type.Object(
  { records: Type.Array(UsageRecordInput, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);

/** Why a record of a batch was refused (the rest of the batch is ingested). */
export const REJECT_CODES = [
  'UNKNOWN_ICCID',
  'ESIM_DELETED',
  'OCCURRED_IN_FUTURE',
  'DUPLICATE_IN_BATCH',
  'INVALID_OCCURRED_AT',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

const Debit = Type.Object({ pack_id: Id, bytes: Type.Integer() });

export const IngestAnswer = Type.Object({
  accepted: Type.Integer({ description: 'records debited now' }),
  duplicates: Type.Integer({ description: 'records whose event_id was already ingested: nothing changed' }),
  rejected: Type.Array(
    Type.Object({
      event_id: Type.String(),
      code: Type.Enum(REJECT_CODES),
    }),
  ),
  results: Type.Array(
    Type.Object({
      event_id: Type.String(),
      // a type list, not anyOf: the serializer then picks the branch without running a validator per item
      pack_id: Type.Unsafe<string | null>({
        type: ['string', 'null'],
        description: 'the first pack debited, null when none was',
      }),
      debited_bytes: Type.Integer(),
      overage_bytes: Type.Integer(),
      debits: Type.Array(Debit, { description: 'per pack debited, in debit order (pack_id is the first)' }),
    }),
  ),
});

export const UsageRecord = Type.Object(
  {
    id: Id,
    event_id: Type.String(),
    esim_id: Id,
    iccid: Type.String(),
    bytes: Type.Integer(),
    debited_bytes: Type.Integer(),
    overage_bytes: Type.Integer(),
    debits: Type.Array(Debit),
    occurred_at: Timestamp,
    received_at: Timestamp,
  },
  { $id: 'UsageRecord', description: 'one usage record of the network feed, with the packs it debited' },
);
export type UsageRecordView = Static<typeof UsageRecord>;

export const UsageListQuery = Type.Object(ListQuery, { additionalProperties: false });

const GRANULARITIES = ['hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
const GranularityField = Type.Enum(GRANULARITIES, { default: 'day' });

export const RangeQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    granularity: Type.Optional(GranularityField),
  },
  { additionalProperties: false },
);
export type RangeInput = Static<typeof RangeQuery>;

export const UsageBucket = Type.Object(
  { start: Timestamp, bytes: Type.Integer() },
  { $id: 'UsageBucket', description: 'bytes used in the UTC hour or day starting at `start`' },
);

const BucketRange = {
  granularity: Type.Enum(GRANULARITIES),
  from: Timestamp,
  to: Timestamp,
};

export const UsageSummary = Type.Object({
  total_bytes: Type.Integer(),
  overage_bytes: Type.Integer(),
  by_pack: Type.Array(Type.Object({ pack_id: Id, name: Type.String(), bytes: Type.Integer() })),
  ...BucketRange,
  buckets: Type.Array(ref(UsageBucket)),
});

export const PackUsage = Type.Object({
  pack_id: Id,
  ...BucketRange,
  buckets: Type.Array(ref(UsageBucket)),
});
