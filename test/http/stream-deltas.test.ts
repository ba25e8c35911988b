/**
 * Delta events (`X-Backchat-Deltas: 1`, docs/api.md "Delta events") over real loopback HTTP on every
 * database: spliced back, a stream with deltas is the stream without them (same ids, same payloads,
 * byte for byte, wherever both readers got the event); its first event is always whole, also when
 * picked up after an id; a stream that did not ask has no delta event; and a long answer is a small
 * fraction of the bytes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { pollUntil } from '../helpers/bounded.js';
import { forEachDatabase } from '../helpers/databases.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import type { TestServer } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';
import { type ServerWithUpstream, startServerWithFakeUpstream } from '../helpers/upstream-server.js';

const deltas = { 'x-backchat-deltas': '1' };
const background = { 'x-backchat-background': '1' };
const answerText = Array.from({ length: 120 }, (_, index) => `wörd${index} “quoted” 😀`).join(' ');

interface Stream {
  raw: string;
  events: EventSourceMessage[];
}

/** A response's events as they arrive (pings left out), and all of them once it ends after `[DONE]`. */
function liveStream(response: Response): { events: EventSourceMessage[]; ended: Promise<Stream> } {
  assert.equal(response.status, 200);
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => event.event !== 'ping' && events.push(event) });
  const ended = (async () => {
    let raw = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) {
      const text = decoder.decode(chunk, { stream: true });
      raw += text;
      parser.feed(text);
    }
    return { raw, events };
  })();
  return { events, ended };
}

const readStream = (response: Response): Promise<Stream> => liveStream(response).ended;

/** The stream's events with every delta spliced into the payload before it (written here on purpose). */
function spliced(stream: Stream): Array<{ id: string | undefined; data: string }> {
  let last = '';
  return stream.events.map((event) => {
    if (event.event === 'delta') {
      const { at, text } = JSON.parse(event.data) as { at: number; text: string };
      assert.ok(at >= 0 && at <= last.length, 'a delta fits the payload before it');
      last = last.slice(0, at) + text + last.slice(at);
    } else {
      assert.equal(event.event, undefined);
      if (event.data !== '[DONE]') last = event.data;
    }
    return { id: event.id, data: event.data === '[DONE]' ? event.data : last };
  });
}

forEachDatabase((kind) => {
  describe(`${kind}: delta events`, () => {
    let rig: ServerWithUpstream;
    let server: TestServer;
    let upstream: FakeUpstream;

    before(async () => {
      rig = await startServerWithFakeUpstream(kind);
      ({ server, upstream } = rig);
    });
    after(() => rig.close());

    const turn = (text: string) => ({ action: 'next', model: 'fake-model', messages: [userMessage(text)] });
    const post = (text: string, headers: Record<string, string>) =>
      server.request('/backend-api/conversation', { method: 'POST', as: server.alice, json: turn(text), headers });

    test('spliced back, a stream with deltas is the stream without them, event for event', async () => {
      upstream.script({ kind: 'reply', text: answerText, tokenDelayMs: 5 });
      const origin = liveStream(await post('Write a long answer', { ...deltas, ...background }));
      await pollUntil(async () => origin.events[0], 'the first event');
      const conversationId = String(
        (JSON.parse(origin.events[0]?.data ?? '{}') as Record<string, unknown>).conversation_id,
      );
      // Two more readers while it is written: one without deltas, one with them after an id it saw.
      const path = `/backend-api/conversation/${conversationId}/stream`;
      const plain = liveStream(await server.request(path, { as: server.alice }));
      const seen = await pollUntil(
        async () => (plain.events.length >= 5 ? plain.events.at(-1)?.id : undefined),
        'events',
      );
      const after = liveStream(
        await server.request(path, { as: server.alice, headers: { ...deltas, 'last-event-id': String(seen) } }),
      );
      const [withDeltas, whole, resumed] = await Promise.all([origin.ended, plain.ended, after.ended]);

      assert.ok(
        whole.events.every((event) => event.event === undefined),
        'no delta for a stream that did not ask',
      );
      const wholeById = new Map(whole.events.map((event) => [event.id, event.data]));
      // A reader whose socket is backed up skips snapshots (only the newest waits), so two readers need
      // not hold every event both: the events they share are identical, and they share nearly all.
      const sharedWithWhole = (stream: Stream) => {
        const shared = spliced(stream).filter((event) => wholeById.has(event.id));
        for (const event of shared) assert.equal(event.data, wholeById.get(event.id), `event ${event.id}`);
        return shared.length;
      };
      const shared = sharedWithWhole(withDeltas);
      assert.ok(shared >= whole.events.length * 0.9, `${shared} of ${whole.events.length} events in both`);
      assert.deepEqual(
        spliced(withDeltas).slice(-3),
        whole.events.slice(-3).map((event) => ({ id: event.id, data: event.data })),
        'the same final message, moderation event and [DONE]',
      );
      assert.ok(resumed.events.length > 0 && resumed.events.every((event) => Number(event.id) > Number(seen)));
      assert.ok(sharedWithWhole(resumed) > 0);
      for (const stream of [withDeltas, resumed]) {
        assert.equal(stream.events[0]?.event, undefined, 'the first event is whole');
        assert.ok(stream.events.some((event) => event.event === 'delta'));
      }
      assert.ok(
        withDeltas.events.filter((event) => event.event === 'delta').length > 100,
        'the answer grows in deltas',
      );
      const final = JSON.parse(whole.events.at(-3)?.data ?? '{}') as { message: { content: { parts: string[] } } };
      assert.equal(final.message.content.parts[0], answerText);
      // Each event repeats the answer so far, against each carrying what it added.
      const bytes = (events: EventSourceMessage[]) => events.reduce((sum, event) => sum + event.data.length, 0);
      const firstId = Number(whole.events[0]?.id);
      const sent = bytes(withDeltas.events.filter((event) => Number(event.id) >= firstId));
      assert.ok(sent * 10 < bytes(whole.events), `${sent} bytes with deltas, ${bytes(whole.events)} without`);
    });

    test('a ChatGPT client’s stream (no ids) carries deltas only when asked', async () => {
      upstream.script({ kind: 'reply', text: answerText, tokenDelayMs: 0 });
      const asked = await readStream(await post('With deltas', deltas));
      upstream.script({ kind: 'reply', text: answerText, tokenDelayMs: 0 });
      const plain = await readStream(await post('Without deltas', { 'x-backchat-deltas': '0' }));
      assert.ok(asked.events.every((event) => event.id === undefined));
      assert.ok(asked.events.some((event) => event.event === 'delta'));
      assert.ok(plain.events.every((event) => event.event === undefined));
      const text = (stream: Stream) =>
        spliced(stream)
          .filter((event) => event.data !== '[DONE]')
          .map((event) => JSON.parse(event.data) as { message?: { content: { parts: string[] } } | null })
          .filter((payload) => payload.message)
          .at(-1)?.message?.content.parts[0];
      assert.equal(text(asked), answerText);
      assert.equal(text(plain), answerText);
      assert.equal(asked.raw.endsWith('data: [DONE]\n\n'), true);
    });
  });
});
