/**
 * Password hashing with native bcrypt on libuv's thread pool: the event loop never waits on a hash.
 * A dummy hash of the same cost lets "unknown email" take as long as "wrong password".
 */
import bcrypt from 'bcrypt';
import { randomBytes } from 'node:crypto';

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function dummyHash(rounds: number): string {
  // a well-formed bcrypt string (22-char salt + 31-char digest) that no password matches, made without
  // spending a hash at start-up; comparing against it costs exactly one bcrypt at `rounds`
  const chars = Array.from(randomBytes(53), (b) => BCRYPT_ALPHABET[b % 64]).join('');
  return `$2b$${String(rounds).padStart(2, '0')}$${chars}`;
}

export class PasswordHasher {
  private readonly dummy: string;
  constructor(private readonly rounds: number) {
    this.dummy = dummyHash(rounds);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }

  /** Compares against `hash`, or against the dummy when there is no user, so both paths cost the same. */
  verify(password: string, hash: string | undefined): Promise<boolean> {
    return bcrypt.compare(password, hash ?? this.dummy);
  }
}

/**
 * The admin's password hash, started ahead: the server starts it while the migrations of a fresh database
 * run (no admin can exist there yet), on libuv's thread pool, and hands it to ensureAdminFromOutside
 * (users/bootstrap.ts). Here, not there, so the server starts it before the app is loaded.
 */
export function hashAdminPassword(config: { BCRYPT_ROUNDS: number }, password: string): Promise<string> {
  return new PasswordHasher(config.BCRYPT_ROUNDS).hash(password);
}
