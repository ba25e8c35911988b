/**
 * A Lua script run by its SHA-1 (`EVALSHA`): one round trip and one atomic step in Redis. The body is
 * sent (`EVAL`, which also caches it) only when Redis does not know the script yet — the first call after
 * Redis started or its script cache was flushed.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** What a script receives in `KEYS` and `ARGV`. */
export type ScriptArgument = string | number;

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

export class RedisScript {
  /** The script's SHA-1, hex: its name in Redis's script cache. */
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** Runs the script; its reply as Redis sent it (numbers, strings, nulls and nested arrays). */
  async run(client: Redis, keys: readonly string[], args: readonly ScriptArgument[] = []): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
