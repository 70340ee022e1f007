/**
 * API keys for machine clients. A key is `ksk_` + 256 random bits, shown once at creation and stored only
 * as its SHA-256 (the auth plugin looks keys up by that hash); revoking sets revoked_at, so the key stops
 * working at once while its record stays for the audit trail. Every admin action is in the activity log.
 */
import { transaction, type Db } from '../../db/index.js';
import type { ApiKeyRow, UserRow } from '../../db/types.js';
import { notFound } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { randomToken, sha256 } from '../../lib/secrets.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { apiKeysRepo } from './repository.js';
import type { ApiKeyView } from './schemas.js';

/** Recognisable in logs and secret scanners. */
export const KEY_PREFIX = 'ksk_';
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 8;
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

  async create(name: string, admin: UserRow, meta: RequestMeta): Promise<{ row: ApiKeyRow; key: string }> {
    const key = KEY_PREFIX + randomToken(32);
    const row: ApiKeyRow = {
      id: newId(),
      name: name.trim(),
      prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
      key_hash: sha256(key),
      created_by: admin.id,
      created_at: this.clock.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await transaction(this.db, async (tx) => {
      await apiKeysRepo.insert(tx, row);
      await this.activity.record(tx, {
        action: 'admin.api_key_created',
        actorId: admin.id,
        targetType: 'api_key',
        targetId: row.id,
        metadata: { name: row.name, prefix: row.prefix },
        ...meta,
      });
    });
    return { row, key };
  }

  async list(limit: number, cursor?: string): Promise<Page<ApiKeyView>> {
    const rows = await apiKeysRepo.list(this.db, { after: decodeCursor(cursor), limit });
    return toPage(rows, limit, toApiKeyView);
  }

  /** Revokes the key (a second revoke changes nothing); an unknown id is a 404. */
  async revoke(id: string, admin: UserRow, meta: RequestMeta): Promise<void> {
    await transaction(this.db, async (tx) => {
      const key = await apiKeysRepo.findById(tx, id);
      if (!key) throw notFound('API key');
      if (!(await apiKeysRepo.revoke(tx, id, this.clock.now()))) return;
      await this.activity.record(tx, {
        action: 'admin.api_key_revoked',
        actorId: admin.id,
        targetType: 'api_key',
        targetId: id,
        metadata: { name: key.name, prefix: key.prefix },
        ...meta,
      });
    });
  }

  /** Records that a key was just used, cheaply: at most one write per key per minute. */
  async noteUsed(keyId: string): Promise<void> {
    const now = this.clock.now();
    const last = this.touchedAt.get(keyId);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS && now >= last) return;
    this.touchedAt.set(keyId, now);
    await apiKeysRepo.touch(this.db, keyId, now);
  }
}
