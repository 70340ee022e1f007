/**
 * The packs one ingestion transaction works on, in memory: read once (locked), debited record after
 * record by the rules of debit.ts, and remembered as changes (first state read, last state planned) for
 * one batched conditional write at the end.
 */
import type { PackChange } from '../packs/repository.js';
import type { DebitPack } from './debit.js';

/** The open packs of each eSIM, replaced by their new state as records debit them. */
export class PackLedger {
  private readonly byEsim = new Map<string, DebitPack[]>();
  readonly changes = new Map<string, PackChange>();

  constructor(packs: DebitPack[]) {
    for (const p of packs) {
      if (!p.esim_id) continue;
      const list = this.byEsim.get(p.esim_id);
      if (list) list.push(p);
      else this.byEsim.set(p.esim_id, [p]);
    }
  }

  packsOf(esimId: string): readonly DebitPack[] {
    return this.byEsim.get(esimId) ?? [];
  }

  update(esimId: string, after: DebitPack): void {
    const list = this.byEsim.get(esimId) ?? [];
    const i = list.findIndex((p) => p.id === after.id);
    const before = list[i];
    if (!before) return;
    list[i] = after;
    const change = this.changes.get(after.id);
    if (change) change.after = after;
    else this.changes.set(after.id, { before, after });
  }
}
