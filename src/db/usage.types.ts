/**
 * Table types of the usage ledger: the records the network reported, the debits they made, and the
 * hourly rollups the reads use. The conventions are those of types.ts (which re-exports everything here).
 */
import type { Generated } from 'kysely';

export interface UsageRecordsTable {
  id: string;
  event_id: string; // unique: the exactly-once key
  esim_id: string;
  user_id: string;
  iccid: string;
  bytes: number;
  overage_bytes: number;
  occurred_at: number;
  received_at: number;
  late: Generated<number>; // 1: overage only because its packs had expired more than the late window before it came
}

/** Per user and UTC hour (epoch ms of the hour's start): all bytes of the records, their overage, their count. */
export interface UsageUserHourlyTable {
  user_id: string;
  hour: number;
  bytes: number;
  overage_bytes: number;
  records: number;
}

/** Per pack and UTC hour: the bytes the pack took and how many records it took them from. */
export interface UsagePackHourlyTable {
  pack_id: string;
  hour: number;
  user_id: string;
  bytes: number;
  records: number;
}

export interface UsageDebitsTable {
  id: string;
  usage_id: string;
  pack_id: string;
  user_id: string;
  bytes: number;
  occurred_at: number;
}
