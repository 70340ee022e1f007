/**
 * Making an account an admin from outside a serving app: the server's start-up bootstrap (ADMIN_EMAIL)
 * and the CLI's `create-admin`. Instances already serving hear of it at once through the session bus
 * (PostgreSQL NOTIFY, or Redis); otherwise within their cache's safety TTL.
 */
import type { Config } from '../../config.js';
import type { DatabaseHandle } from '../../db/index.js';
import { systemClock } from '../../lib/clock.js';
import { silentLogger, type InvalidationBus } from '../../sessions/bus.js';
import { SessionEvents, createSessionBus } from '../../sessions/index.js';
import { ActivityService } from '../activity/service.js';
import { PasswordHasher } from '../auth/passwords.js';

export { hashAdminPassword } from '../auth/passwords.js';
import { UsersService } from './service.js';

/**
 * `passwordHash`: a hash of `password` already under way (see hashAdminPassword). The session bus is
 * opened only when there is something to publish (an existing account promoted): creating the admin or
 * finding it already in place publishes nothing, and on PostgreSQL the bus is a connection of its own.
 */
export async function ensureAdminFromOutside(
  database: DatabaseHandle,
  config: Config,
  email: string,
  password: string,
  resetPassword: boolean,
  passwordHash?: Promise<string>,
): ReturnType<UsersService['ensureAdmin']> {
  let bus: Promise<InvalidationBus> | undefined;
  const open = () =>
    (bus ??= createSessionBus({ dialect: database.dialect, database, config, log: silentLogger }));
  try {
    const users = new UsersService(
      database.db,
      systemClock,
      new PasswordHasher(config.BCRYPT_ROUNDS),
      new ActivityService(database.db, systemClock),
      new SessionEvents({ publish: async (event) => (await open()).publish(event) }),
    );
    return await users.ensureAdmin(email, password, resetPassword, passwordHash);
  } finally {
    if (bus) await (await bus).close();
  }
}
