/**
 * Making an account an admin from outside a serving app: the server's start-up bootstrap (ADMIN_EMAIL)
 * and the CLI's `create-admin`. Instances already serving hear of it at once through the session bus
 * (PostgreSQL NOTIFY, or Redis); otherwise within their cache's safety TTL.
 */
import type { Config } from '../../config.js';
import type { DatabaseHandle } from '../../db/index.js';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../sessions/bus.js';
import { SessionEvents, createSessionBus } from '../../sessions/index.js';
import { ActivityService } from '../activity/service.js';
import { PasswordHasher } from '../auth/passwords.js';
import { UsersService } from './service.js';

export async function ensureAdminFromOutside(
  database: DatabaseHandle,
  config: Config,
  email: string,
  password: string,
  resetPassword: boolean,
): ReturnType<UsersService['ensureAdmin']> {
  const bus = await createSessionBus({ dialect: database.dialect, database, config, log: silentLogger });
  try {
    const users = new UsersService(
      database.db,
      systemClock,
      new PasswordHasher(config.BCRYPT_ROUNDS),
      new ActivityService(database.db, systemClock),
      new SessionEvents(bus),
    );
    return await users.ensureAdmin(email, password, resetPassword);
  } finally {
    await bus.close();
  }
}
