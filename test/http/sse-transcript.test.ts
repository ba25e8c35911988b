/**
 * Byte-for-byte SSE transcript of one turn with a stepping clock and counter ids: any change to the
 * stream's framing, key order, escaping or float formatting shows up as a diff against the snapshot.
 * Regenerate deliberately with `BACKCHAT_UPDATE_SNAPSHOTS=1`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { seedFirstTurn } from '../fixtures/seed/seed-bodies.js';
import { counterIds, steppingClock } from '../helpers/deterministic.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const snapshotUrl = new URL('../fixtures/snapshots/seed-first-turn.sse', import.meta.url);

let server: TestServer;
before(async () => {
  server = await startTestServer('sqlite', { clock: steppingClock(), ids: counterIds() });
});
after(() => server.close());

test('the recorded first turn streams exactly its recorded transcript', async () => {
  const response = await server.request('/backend-api/conversation', {
    method: 'POST',
    as: server.alice,
    json: seedFirstTurn,
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const transcript = await response.text();
  if (process.env.BACKCHAT_UPDATE_SNAPSHOTS === '1') writeFileSync(snapshotUrl, transcript);
  assert.ok(existsSync(snapshotUrl), 'snapshot missing: run with BACKCHAT_UPDATE_SNAPSHOTS=1 once and review it');
  assert.equal(transcript, readFileSync(snapshotUrl, 'utf8'));
});

test('the transcript has the Dec-2023 frame structure', () => {
  const transcript = readFileSync(snapshotUrl, 'utf8');
  const frames = transcript.split('\n\n').filter(Boolean);
  assert.ok(frames.every((frame) => frame.startsWith('data: ') && !frame.slice(6).includes('\n')));
  assert.equal(frames.at(-1), 'data: [DONE]');
  const events = frames.slice(0, -1).map((frame) => JSON.parse(frame.slice(6)) as Record<string, unknown>);
  const messages = events.filter((event) => 'message' in event);
  assert.deepEqual(Object.keys(messages[0] ?? {}), ['message', 'conversation_id', 'error']);
  const first = messages[0]?.message as Record<string, unknown>;
  assert.deepEqual(Object.keys(first), [
    'id',
    'author',
    'create_time',
    'update_time',
    'content',
    'status',
    'end_turn',
    'weight',
    'metadata',
    'recipient',
  ]);
  assert.match(transcript, /"weight": 1\.0/);
  assert.deepEqual(Object.keys(events.at(-1) ?? {}), [
    'conversation_id',
    'message_id',
    'is_completion',
    'moderation_response',
  ]);
});
