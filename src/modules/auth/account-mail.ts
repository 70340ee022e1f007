/**
 * The account e-mails AuthService queues in its own transactions: the verification link at sign-up and
 * the "your password was changed" notice. The auth index plugs in the real ones (mail module); without
 * them (a service built by hand) nothing is queued.
 */
import type { Executor } from '../../db/index.js';
import type { UserRow } from '../../db/types.js';

export interface AccountMailHooks {
  registered(tx: Executor, user: UserRow): Promise<void>;
  passwordChanged(tx: Executor, user: UserRow): Promise<void>;
}

export const NO_ACCOUNT_MAIL: AccountMailHooks = {
  registered: async () => undefined,
  passwordChanged: async () => undefined,
};
