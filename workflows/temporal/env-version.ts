// A short fingerprint of the settings and calendar a command is decided with. An Update carries only
// this (not the ~20 KB of settings and calendar); the workflow keeps the env it last loaded with its
// fingerprint and loads again (an activity) only when the caller saw a different one. Both sides hash
// the canonical JSON, so the API process and the worker agree whatever order the keys arrived in.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../db/audit.ts';
import type { TimeEnv } from '../../domain/item/index.ts';

// The engine env hands out the same cached objects until its ttl passes: hash each object once.
const digests = new WeakMap<object, string>();

function digest(value: object): string {
  let d = digests.get(value);
  if (d === undefined) {
    d = createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 16);
    digests.set(value, d);
  }
  return d;
}

export function envVersion(env: TimeEnv): string {
  return `${digest(env.settings)}.${digest(env.calendar)}`;
}
