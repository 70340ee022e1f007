/**
 * Matching IDs: the unguessable token of an activation code (the SM-DP+ finds the profile order by it).
 * Four groups of five characters over 0-9A-Z joined by `-` (e.g. `7Q2KD-0M9ZA-X4C1B-PL3RT`): 20 symbols of
 * log2(36) bits each, about 103 bits from the CSPRNG, sampled without modulo bias.
 */
import { randomBytes } from 'node:crypto';

export const MATCHING_ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const MATCHING_ID_PATTERN = '^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$';

const GROUPS = 4;
const GROUP_LENGTH = 5;

export type RandomBytes = (n: number) => Uint8Array;

/** `count` symbols of `alphabet` drawn uniformly from `bytes` by rejection sampling. */
export function uniformSymbols(count: number, alphabet: string, bytes: RandomBytes = randomBytes): string {
  // the largest multiple of the alphabet size that fits in a byte: bytes at or above it are rejected,
  // not folded (folding would favour the first 256 % size symbols)
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < count) {
    for (const b of bytes(count * 2)) {
      if (b < limit) out += alphabet[b % alphabet.length];
      if (out.length === count) break;
    }
  }
  return out;
}

export function generateMatchingId(bytes: RandomBytes = randomBytes): string {
  const symbols = uniformSymbols(GROUPS * GROUP_LENGTH, MATCHING_ID_ALPHABET, bytes);
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) groups.push(symbols.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH));
  return groups.join('-');
}
