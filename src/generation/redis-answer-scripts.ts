/**
 * The Lua scripts of the Redis AnswerHub (src/generation/redis-answer-hub.ts, which describes the key
 * layout) and the parsing of what they and its channels return. Each script is one round trip and one
 * atomic step; keys are passed in KEYS, never built inside a script.
 */
import { RedisScript } from '../redis/redis-script.js';
import type { CatchUp } from './answer-follower.js';
import type { AnswerEvent } from './answer-hub.js';
import { isLastEvent } from './answer-hub.js';

/** KEYS: meta, events, alive, newest. ARGV: answerId, conversationId, ownerId, instanceId, liveTtlMs, keepMs. */
export const openScript = new RedisScript(`
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'conversationId', ARGV[2], 'ownerId', ARGV[3], 'instanceId', ARGV[4], 'live', '1', 'last', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[5])
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[6])
`);

/** KEYS: meta, events. ARGV: event id, kind, data, channel. Ignores unknown answers and old ids. */
export const publishScript = new RedisScript(`
local last = tonumber(redis.call('HGET', KEYS[1], 'last'))
if not last or tonumber(ARGV[1]) <= last then return 0 end
if ARGV[2] == 'snapshot' then
  redis.call('HSET', KEYS[1], 'last', ARGV[1], 'snapshotId', ARGV[1], 'snapshot', ARGV[3])
else
  redis.call('HSET', KEYS[1], 'last', ARGV[1])
  redis.call('XADD', KEYS[2], ARGV[1] .. '-0', 'k', ARGV[2], 'd', ARGV[3])
  redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[1]))
end
redis.call('PUBLISH', ARGV[4], ARGV[1] .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3])
return 1
`);

/** KEYS: meta, events, alive, newest (optional). ARGV: answerId, retentionMs. */
export const endScript = new RedisScript(`
if redis.call('HGET', KEYS[1], 'live') ~= '1' then return 0 end
redis.call('HSET', KEYS[1], 'live', '0')
redis.call('DEL', KEYS[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if KEYS[4] and redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('PEXPIRE', KEYS[4], ARGV[2]) end
return 1
`);

/** KEYS: (meta, events, alive, newest) per answer. ARGV: liveTtlMs, keepMs, then the answer ids. */
export const heartbeatScript = new RedisScript(`
for i = 1, #KEYS, 4 do
  if redis.call('PEXPIRE', KEYS[i + 2], ARGV[1]) == 1 then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
    redis.call('PEXPIRE', KEYS[i + 1], ARGV[2])
    if redis.call('GET', KEYS[i + 3]) == ARGV[2 + (i + 3) / 4] then redis.call('PEXPIRE', KEYS[i + 3], ARGV[2]) end
  end
end
`);

/** KEYS: meta, alive → {conversationId, ownerId, instanceId, live, last, alive 0/1}, or nil. */
export const stateScript = new RedisScript(`
local meta = redis.call('HMGET', KEYS[1], 'conversationId', 'ownerId', 'instanceId', 'live', 'last')
if not meta[1] then return false end
meta[6] = redis.call('EXISTS', KEYS[2])
return meta
`);

/** KEYS: (meta, alive) per answer → per answer 0 gone, 1 being written, 2 ended or its writer gone. */
export const livenessScript = new RedisScript(`
local states = {}
for i = 1, #KEYS, 2 do
  local live = redis.call('HGET', KEYS[i], 'live')
  if not live then states[#states + 1] = 0
  elseif live == '1' and redis.call('EXISTS', KEYS[i + 1]) == 1 then states[#states + 1] = 1
  else states[#states + 1] = 2 end
end
return states
`);

/**
 * KEYS: meta, events, alive. ARGV: afterId → nil, or {live, last, alive, snapshotId, snapshot (when newer
 * than afterId), events after afterId, the newest event (only when nothing is newer than afterId)}.
 */
export const readScript = new RedisScript(`
local meta = redis.call('HMGET', KEYS[1], 'live', 'last', 'snapshotId')
if not meta[1] then return false end
local after = tonumber(ARGV[1])
local snapshot = false
if meta[3] and tonumber(meta[3]) > after then snapshot = redis.call('HGET', KEYS[1], 'snapshot') end
local events = redis.call('XRANGE', KEYS[2], (after + 1) .. '-0', '+')
local newest = false
if not snapshot and #events == 0 then newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1] or false end
return {meta[1], meta[2], redis.call('EXISTS', KEYS[3]), meta[3] or false, snapshot, events, newest}
`);

type EventKind = AnswerEvent['kind'];
const eventKinds: readonly string[] = ['snapshot', 'event', 'rejected', 'done'] satisfies EventKind[];

function isEventKind(kind: string | undefined): kind is EventKind {
  return kind !== undefined && eventKinds.includes(kind);
}

/** `<id>\n<kind>\n<data>` (a channel message) → the event; undefined when malformed. */
export function parseMessage(message: string): AnswerEvent | undefined {
  const first = message.indexOf('\n');
  const second = message.indexOf('\n', first + 1);
  const kind = message.slice(first + 1, second);
  if (first < 1 || second < 0 || !isEventKind(kind)) return undefined;
  return { id: Number(message.slice(0, first)), kind, data: message.slice(second + 1) };
}

/** A stream entry `[<id>-0, [k, kind, d, data]]` → the event. */
function parseEntry(entry: unknown): AnswerEvent | undefined {
  if (!Array.isArray(entry) || !Array.isArray(entry[1])) return undefined;
  const [streamId, [, kind, , data]] = entry as [string, string[]];
  if (!isEventKind(kind) || data === undefined) return undefined;
  return { id: Number.parseInt(streamId, 10), kind, data };
}

/** The read script's reply → what the reader finds; undefined when the answer is unknown. */
export function parseRead(reply: unknown): CatchUp | undefined {
  if (!Array.isArray(reply)) return undefined;
  const [live, last, alive, snapshotId, snapshot, entries, newest] = reply as [
    string,
    string,
    number,
    string | null,
    string | null,
    unknown[],
    unknown,
  ];
  const events = entries.map(parseEntry).filter((event) => event !== undefined);
  if (snapshotId !== null && snapshot !== null) {
    events.push({ id: Number(snapshotId), kind: 'snapshot', data: snapshot });
    events.sort((a, b) => a.id - b.id);
  }
  const newestEvent = newest ? parseEntry(newest) : undefined;
  const again = newestEvent && isLastEvent(newestEvent) ? newestEvent : undefined;
  return { events, again, live: live === '1' && alive === 1, lastEventId: Number(last) };
}
