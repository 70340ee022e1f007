/**
 * API keys for machine clients. A key is `ksk_` + 256 random bits, shown once at creation and stored only
 * as its SHA-256 (a presented key is looked up by that hash); revoking sets revoked_at, so the key stops
 * working at once while its record stays for the audit trail. Every admin action is in the activity log.
 */
import { transaction, type Db } from '../../db/index.js';
import type { ApiKeyRow } from '../../db/types.js';
import { notFound } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { randomToken, safeEqual, sha256 } from '../../lib/secrets.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { apiKeysRepo } from './repository.js';
import type { ApiKeyView, CreatedApiKeyView } from './schemas.js';

/** Recognisable in logs and secret scanners. */
export const KEY_PREFIX = 'ksk_';
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 8;
/** Longer than any key this service issues: refused before hashing. */
const MAX_PRESENTED_LENGTH = 200;
/** last_used_at is a hint, not an audit: written at most this often per key and process. */
const TOUCH_INTERVAL_MS = 60_000;

export function toApiKeyView(r: ApiKeyRow): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    created_by: r.created_by,
    created_at: iso(r.created_at),
    last_used_at: iso(r.last_used_at),
    revoked_at: iso(r.revoked_at),
  };
}

export class ApiKeysService {
  private readonly touchedAt = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
  ) {}

  /** Issues a key; the answer is the only place the key itself ever appears. */
  async create(name: string, adminId: string, meta: RequestMeta): Promise<CreatedApiKeyView> {
    const key = KEY_PREFIX + randomToken(32);
    const row: ApiKeyRow = {
      id: newId(),
      name: name.trim(),
      prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
      key_hash: sha256(key),
      created_by: adminId,
      created_at: this.clock.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await transaction(this.db, async (tx) => {
      await apiKeysRepo.insert(tx, row);
      await this.activity.record(tx, {
        action: 'admin.api_key_created',
        actorId: adminId,
        targetType: 'api_key',
        targetId: row.id,
        metadata: { name: row.name, prefix: row.prefix },
        ...meta,
      });
    });
    return { id: row.id, name: row.name, key, prefix: row.prefix, created_at: iso(row.created_at) };
  }

  async list(limit: number, cursor?: string): Promise<Page<ApiKeyView>> {
    const rows = await apiKeysRepo.list(this.db, { after: decodeCursor(cursor), limit });
    return toPage(rows, limit, toApiKeyView);
  }

  /** Revokes the key (a second revoke changes nothing); an unknown id is a 404. */
  async revoke(id: string, adminId: string, meta: RequestMeta): Promise<void> {
    await transaction(this.db, async (tx) => {
      const key = await apiKeysRepo.findById(tx, id);
      if (!key) throw notFound('API key');
      if (!(await apiKeysRepo.revoke(tx, id, this.clock.now()))) return;
      await this.activity.record(tx, {
        action: 'admin.api_key_revoked',
        actorId: adminId,
        targetType: 'api_key',
        targetId: id,
        metadata: { name: key.name, prefix: key.prefix },
        ...meta,
      });
    });
  }

  /**
   * The live key a machine client presented, or null. The lookup is by hash; the explicit constant-time
   * compare keeps that property explicit. A match is recorded as the key's last use.
   */
  async authenticate(presented: string): Promise<{ id: string; name: string } | null> {
    if (presented.length > MAX_PRESENTED_LENGTH) return null;
    const hash = sha256(presented);
    const key = await apiKeysRepo.findLiveByHash(this.db, hash);
    if (!key || !safeEqual(key.key_hash, hash)) return null;
    await this.noteUsed(key.id);
    return { id: key.id, name: key.name };
  }

  /** Records that a key was just used, cheaply: at most one write per key per minute. */
  private async noteUsed(keyId: string): Promise<void> {
    const now = this.clock.now();
    const last = this.touchedAt.get(keyId);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS && now >= last) return;
    this.touchedAt.set(keyId, now);
    await apiKeysRepo.touch(this.db, keyId, now);
  }
}
