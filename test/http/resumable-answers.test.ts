/**
 * Answers that outlive their connection, over real loopback HTTP on every database: background
 * answers keep going when their client leaves, any stream of the owner can reattach (from the start or
 * after `Last-Event-ID`), stop reaches every viewer, foreign ids are 404, and upstream faults end a
 * background answer cleanly for every reader (docs/reliability.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { pollUntil } from '../helpers/bounded.js';
import { forEachDatabase } from '../helpers/databases.js';
import { type FakeScenario, type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { rawHttp } from '../helpers/raw-http.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';
import { fakeProvider, type ServerWithUpstream, startServerWithFakeUpstream } from '../helpers/upstream-server.js';

/** An SSE response read as it arrives. */
class LiveStream {
  readonly events: EventSourceMessage[] = [];
  readonly ended: Promise<void>;

  constructor(readonly response: Response) {
    const parser = createParser({ onEvent: (event) => this.events.push(event) });
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    this.ended = (async () => {
      if (!reader) return;
      try {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          parser.feed(decoder.decode(chunk.value, { stream: true }));
        }
      } catch {
        // aborted by the test
      }
    })();
  }

  /** The JSON payloads (not `[DONE]`, not pings). */
  payloads(): Array<Record<string, unknown>> {
    return this.events
      .filter((event) => event.event === undefined && event.data !== '[DONE]')
      .map((event) => JSON.parse(event.data) as Record<string, unknown>);
  }

  /** The text of the newest message event. */
  text(): string {
    const message = this.payloads()
      .map((payload) => payload.message as { content?: { parts?: string[] } } | null)
      .filter(Boolean)
      .at(-1);
    return message?.content?.parts?.[0] ?? '';
  }

  finished(): boolean {
    return this.events.at(-1)?.data === '[DONE]';
  }

  until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<true> {
    return pollUntil(async () => (condition() ? true : undefined), what, { timeoutMs, intervalMs: 10 });
  }
}

const longText = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');

forEachDatabase((kind) => {
  describe(`${kind}: resumable answers`, () => {
    let rig: ServerWithUpstream;
    let server: TestServer;
    let upstream: FakeUpstream;

    before(async () => {
      rig = await startServerWithFakeUpstream(kind);
      ({ server, upstream } = rig);
    });
    after(() => rig.close());

    const slowReply = (tokenDelayMs = 20): FakeScenario => ({ kind: 'reply', text: longText, tokenDelayMs });

    async function post(as: TestUser, body: unknown, options: { background?: boolean; signal?: AbortSignal } = {}) {
      const response = await server.request('/backend-api/conversation', {
        method: 'POST',
        as,
        json: body,
        signal: options.signal,
        headers: options.background ? { 'x-backchat-background': '1' } : {},
      });
      return new LiveStream(response);
    }

    const firstTurn = (text: string) => ({ action: 'next', model: 'fake-model', messages: [userMessage(text)] });

    async function conversationIdOf(stream: LiveStream): Promise<string> {
      await stream.until(() => stream.payloads().length > 0, 'the first event');
      return String(stream.payloads()[0]?.conversation_id);
    }

    async function storedAnswer(as: TestUser, conversationId: string) {
      const response = await server.request(`/backend-api/conversation/${conversationId}`, { as });
      const body = (await response.json()) as {
        current_node: string;
        mapping: Record<string, { message: { status: string; content: { parts: string[] }; metadata: never } }>;
      };
      return body.mapping[body.current_node]?.message as {
        status: string;
        content: { parts: string[] };
        metadata: { finish_details?: { type: string } };
      };
    }

    async function streamStatus(as: TestUser, conversationId: string) {
      const response = await server.request(`/backend-api/conversation/${conversationId}/stream_status`, { as });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    test('a background answer keeps going after its client leaves, and its stream carries event ids', async () => {
      upstream.script(slowReply());
      const abort = new AbortController();
      const first = await post(server.alice, firstTurn('Tell me a long story'), {
        background: true,
        signal: abort.signal,
      });
      const conversationId = await conversationIdOf(first);
      await first.until(() => first.text().length > 0, 'some text');
      assert.ok(first.events.every((event, index) => event.event === 'ping' || event.id === String(index + 1)));
      abort.abort();
      const live = await streamStatus(server.alice, conversationId);
      assert.equal(live.body.status, 'IS_STREAMING');
      assert.equal(typeof live.body.message_id, 'string');
      await pollUntil(
        async () =>
          (await streamStatus(server.alice, conversationId)).body.status === 'IS_NOT_STREAMING' ? 1 : undefined,
        'the answer to end',
      );
      const stored = await storedAnswer(server.alice, conversationId);
      assert.equal(stored.status, 'finished_successfully');
      assert.equal(stored.content.parts[0], longText);
    });

    test('a ChatGPT client that leaves stops the answer; its stream has no id lines', async () => {
      upstream.script(slowReply());
      const abort = new AbortController();
      const first = await post(server.alice, firstTurn('Stop when I leave'), { signal: abort.signal });
      const conversationId = await conversationIdOf(first);
      await first.until(() => first.text().length > 0, 'some text');
      assert.ok(first.events.every((event) => event.id === undefined));
      abort.abort();
      await pollUntil(
        async () => ((await storedAnswer(server.alice, conversationId)).status !== 'in_progress' ? 1 : undefined),
        'the answer to be stored',
      );
      const stored = await storedAnswer(server.alice, conversationId);
      assert.equal(stored.status, 'finished_partial_completion');
      assert.equal(stored.metadata.finish_details?.type, 'interrupted');
      assert.ok(longText.startsWith(stored.content.parts[0] ?? 'x') && stored.content.parts[0] !== longText);
    });

    test('while an answer is written, the conversation shows it in_progress with the text so far', async () => {
      upstream.script(slowReply(40));
      const origin = await post(server.alice, firstTurn('Show me your progress'), { background: true });
      const conversationId = await conversationIdOf(origin);
      const checkpoint = await pollUntil(
        async () => {
          const stored = await storedAnswer(server.alice, conversationId);
          return stored.status === 'in_progress' && stored.content.parts[0] ? stored.content.parts[0] : undefined;
        },
        'a checkpoint of the partial text',
        { timeoutMs: 3_000, intervalMs: 50 },
      );
      assert.ok(longText.startsWith(checkpoint) && checkpoint !== longText, 'a prefix of the answer');
      await origin.ended;
      assert.equal((await storedAnswer(server.alice, conversationId)).content.parts[0], longText);
    });

    test('reattaching replays from the start or after Last-Event-ID, then follows live to [DONE]', async () => {
      upstream.script(slowReply());
      const origin = await post(server.alice, firstTurn('Reattach to me'), { background: true });
      const conversationId = await conversationIdOf(origin);
      await origin.until(() => origin.text().split(' ').length > 5, 'a few words');
      const path = `/backend-api/conversation/${conversationId}/stream`;
      const whole = new LiveStream(await server.request(path, { as: server.alice }));
      const lastSeen = Number(origin.events.filter((event) => event.id).at(-1)?.id);
      const after = new LiveStream(
        await server.request(path, { as: server.alice, headers: { 'last-event-id': String(lastSeen) } }),
      );
      const resumed = new LiveStream(
        await server.request('/backend-api/conversation/resume', {
          method: 'POST',
          as: server.alice,
          json: { conversation_id: conversationId, offset: lastSeen },
        }),
      );
      await Promise.all([origin.ended, whole.ended, after.ended, resumed.ended]);
      for (const stream of [origin, whole, after, resumed]) {
        assert.equal(stream.response.status, 200);
        assert.ok(stream.finished(), 'ends with [DONE]');
        assert.equal(stream.text(), longText);
      }
      for (const stream of [after, resumed]) {
        assert.ok(stream.events.every((event) => event.event === 'ping' || Number(event.id) > lastSeen));
        assert.equal(stream.events.at(-1)?.id, origin.events.at(-1)?.id);
      }
      const ids = whole.events.map((event) => Number(event.id));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'ids only grow',
      );
      assert.equal(whole.events.at(-1)?.id, origin.events.at(-1)?.id, 'the same ids as the original stream');
    });

    test('stop ends the answer for every viewer; nothing running → stopped: false', async () => {
      upstream.script(slowReply(30));
      const origin = await post(server.alice, firstTurn('Stop me from elsewhere'), { background: true });
      const conversationId = await conversationIdOf(origin);
      const viewer = new LiveStream(
        await server.request(`/backend-api/conversation/${conversationId}/stream`, { as: server.alice }),
      );
      await viewer.until(() => viewer.text().length > 0, 'text at the viewer');
      const stopPath = `/backend-api/conversation/${conversationId}/stop`;
      const foreign = await server.request(stopPath, { method: 'POST', as: server.bob });
      assert.equal(foreign.status, 404);
      const stop = await server.request(stopPath, { method: 'POST', as: server.alice });
      assert.deepEqual(await stop.json(), { success: true, stopped: true });
      const modelRequest = upstream.requests.at(-1);
      await modelRequest?.closed;
      assert.equal(modelRequest?.clientAborted, true, "the model's request was aborted");
      await Promise.all([origin.ended, viewer.ended]);
      for (const stream of [origin, viewer]) {
        const final = stream
          .payloads()
          .filter((payload) => payload.message)
          .at(-1)?.message as {
          status: string;
          metadata: { finish_details: { type: string } };
        };
        assert.equal(final.status, 'finished_partial_completion');
        assert.equal(final.metadata.finish_details.type, 'interrupted');
        assert.ok(stream.finished());
      }
      const stored = await storedAnswer(server.alice, conversationId);
      assert.equal(stored.status, 'finished_partial_completion');
      assert.equal(stored.content.parts[0], viewer.text());
      const again = await server.request(stopPath, { method: 'POST', as: server.alice });
      assert.deepEqual(await again.json(), { success: true, stopped: false });
    });

    test('deleting a conversation stops its answer (DELETE, PATCH is_visible, delete all); other answers go on', async () => {
      upstream.script(slowReply());
      const as = server.bob;
      const modelRequestOf = (text: string) =>
        upstream.requests.find(
          (request) =>
            (request.body as { stream?: boolean } | undefined)?.stream === true &&
            JSON.stringify(request.body).includes(text),
        );
      const deletions: Array<[string, (id: string) => Promise<Response>]> = [
        ['DELETE', (id) => server.request(`/backend-api/conversation/${id}`, { method: 'DELETE', as })],
        [
          'PATCH is_visible',
          (id) =>
            server.request(`/backend-api/conversation/${id}`, { method: 'PATCH', as, json: { is_visible: false } }),
        ],
        [
          'delete all',
          () => server.request('/backend-api/conversations', { method: 'PATCH', as, json: { is_visible: false } }),
        ],
      ];
      for (const [how, remove] of deletions) {
        const doomed = await post(as, firstTurn(`Delete me (${how})`), { background: true });
        const doomedId = await conversationIdOf(doomed);
        const kept =
          how === 'delete all' ? undefined : await post(as, firstTurn(`Keep me (${how})`), { background: true });
        await doomed.until(() => doomed.text().length > 0, 'some text');
        assert.equal((await remove(doomedId)).status, 200, how);
        await doomed.ended;
        assert.ok(doomed.finished(), `every reader is told the answer ended (${how})`);
        const doomedRequest = modelRequestOf(`Delete me (${how})`);
        assert.ok(doomedRequest, how);
        await doomedRequest.closed;
        assert.equal(doomedRequest.clientAborted, true, `the model's request was stopped (${how})`);
        const stored = (await server.deps.store.listMessages(as.id, doomedId)).at(-1);
        assert.equal(stored?.status, 'finished_partial_completion', how);
        assert.equal((stored?.metadata.finish_details as { type?: string } | undefined)?.type, 'interrupted', how);
        assert.ok(longText.startsWith(String(stored?.parts[0])) && stored?.parts[0] !== longText, how);
        if (kept) {
          await kept.ended;
          assert.equal(kept.text(), longText, `another conversation's answer runs to its end (${how})`);
          assert.equal(modelRequestOf(`Keep me (${how})`)?.clientAborted, false, how);
        }
      }
    });

    test('a ChatGPT client that leaves after the model has said everything keeps the whole answer', async () => {
      // A reader that falls behind is sent the newest snapshot only, so a client can leave before it has
      // read the end of an answer the model already finished: nothing is left to stop, and nothing is cut.
      upstream.script({ kind: 'reply', text: longText, tokenDelayMs: 0 });
      const abort = new AbortController();
      const response = await server.request('/backend-api/conversation', {
        method: 'POST',
        as: server.alice,
        json: firstTurn('Finish before I leave'),
        signal: abort.signal,
      });
      assert.equal(response.status, 200);
      // Only the first event is read (for the conversation's id); the rest stays unread.
      const reader = response.body?.getReader();
      assert.ok(reader);
      const first = new TextDecoder().decode((await reader.read()).value);
      const conversationId = /"conversation_id": ?"([^"]+)"/.exec(first)?.[1];
      assert.ok(conversationId, first);
      const modelRequest = upstream.lastChat();
      assert.ok(modelRequest, 'the model was asked');
      await modelRequest.closed;
      await pollUntil(
        async () => ((await storedAnswer(server.alice, conversationId)).status !== 'in_progress' ? 1 : undefined),
        'the answer to be stored',
      );
      abort.abort(); // the response body was never read: the client leaves before its [DONE]
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stored = await storedAnswer(server.alice, conversationId);
      assert.equal(stored.status, 'finished_successfully');
      assert.equal(stored.metadata.finish_details?.type, 'stop');
      assert.equal(stored.content.parts[0], longText);
      assert.equal(modelRequest.clientAborted, false, 'the finished model request was not cut');
    });

    test('a reader that stops reading neither slows the answer nor holds more than the newest snapshot', async (t) => {
      const bigText = Array.from({ length: 3_000 }, (_, index) => `w${index}`).join(' ');
      upstream.script({ kind: 'reply', text: bigText, tokenDelayMs: 0 });
      const origin = await post(server.alice, firstTurn('A very long answer'), { background: true });
      const conversationId = await conversationIdOf(origin);
      const sleeping = rawHttp(
        server.url,
        {
          method: 'GET',
          path: `/backend-api/conversation/${conversationId}/stream`,
          headers: { authorization: `Bearer ${server.alice.token}` },
          readAfter: origin.ended,
        },
        30_000,
      );
      await origin.ended;
      assert.ok(origin.finished() && origin.text().length > 5_000, 'the answer ran to its end while a reader slept');
      const published = origin.events.length;
      const events: EventSourceMessage[] = [];
      createParser({ onEvent: (event) => events.push(event) }).feed((await sleeping).body);
      assert.equal(events.at(-1)?.data, '[DONE]', 'the sleeping reader still gets the end');
      const finalMessage = events
        .filter((event) => event.data !== '[DONE]' && event.event === undefined)
        .map((event) => JSON.parse(event.data) as { message?: { content: { parts: string[] } } })
        .filter((payload) => payload.message)
        .at(-1);
      assert.ok(finalMessage?.message?.content.parts[0] === origin.text(), 'the sleeping reader gets the whole answer');
      t.diagnostic(`the sleeping reader got ${events.length} events; the live reader ${published}`);
      assert.ok(
        events.length < published / 2,
        `stale snapshots were dropped for the sleeping reader: ${events.length} of ${published} events`,
      );
    });

    test("another user's conversation is 404 on every resume route, like a missing one", async () => {
      upstream.script(slowReply());
      const origin = await post(server.alice, firstTurn('Mine only'), { background: true });
      const conversationId = await conversationIdOf(origin);
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const id of [conversationId, missing]) {
        for (const [path, init] of [
          [`/backend-api/conversation/${id}/stream_status`, {}],
          [`/backend-api/conversation/${id}/stream`, {}],
          ['/backend-api/conversation/resume', { method: 'POST', json: { conversation_id: id } }],
          [`/api/conversation/${id}/stop`, { method: 'POST' }],
        ] as const) {
          const response = await server.request(path, { ...init, as: server.bob });
          assert.equal(response.status, 404, `${path}`);
          assert.ok(!(await response.text()).includes('Mine only'));
        }
      }
      await origin.ended;
    });

    test('with no answer being written, the stream routes say so (404) and stream_status is IS_NOT_STREAMING', async () => {
      upstream.script({ kind: 'reply', text: 'short' });
      const origin = await post(server.alice, firstTurn('Quick one'));
      const conversationId = await conversationIdOf(origin);
      await origin.ended;
      assert.deepEqual((await streamStatus(server.alice, conversationId)).body, { status: 'IS_NOT_STREAMING' });
      const bad = await server.request(`/backend-api/conversation/${conversationId}/stream`, {
        as: server.alice,
        headers: { 'last-event-id': 'soon' },
      });
      assert.equal(bad.status, 400);
      assert.ok('detail' in ((await bad.json()) as object));
    });

    const faults: Array<[string, FakeScenario, 'kept' | 'rejected']> = [
      ['an error before the first byte', { kind: 'status', status: 500, message: 'upstream broke' }, 'rejected'],
      ['a drop mid-stream', { kind: 'drop-after', chunks: 6, text: longText, tokenDelayMs: 10 }, 'kept'],
      ['garbage lines', { kind: 'garbage', afterChunks: 4, text: longText, tokenDelayMs: 10 }, 'kept'],
      ['a missing [DONE]', { kind: 'no-done', text: longText, tokenDelayMs: 5 }, 'kept'],
      ['an error chunk', { kind: 'error-chunk', afterChunks: 4, text: longText, tokenDelayMs: 10 }, 'kept'],
    ];
    for (const [name, scenario, outcome] of faults) {
      test(`a background answer ends cleanly on ${name}: every reader is told, nothing stays in_progress`, async () => {
        upstream.script(scenario);
        if (outcome === 'rejected') {
          const response = await server.request('/backend-api/conversation', {
            method: 'POST',
            as: server.alice,
            json: firstTurn(`Fault: ${name}`),
            headers: { 'x-backchat-background': '1' },
          });
          assert.equal(response.status, 502);
          assert.ok('detail' in ((await response.json()) as object));
          return;
        }
        const origin = await post(server.alice, firstTurn(`Fault: ${name}`), { background: true });
        const conversationId = await conversationIdOf(origin);
        const viewer = new LiveStream(
          await server.request(`/backend-api/conversation/${conversationId}/stream`, { as: server.alice }),
        );
        await Promise.all([origin.ended, viewer.ended]);
        assert.ok(origin.finished() && viewer.finished());
        assert.equal(viewer.text(), origin.text());
        const stored = await storedAnswer(server.alice, conversationId);
        assert.notEqual(stored.status, 'in_progress');
        assert.equal(stored.content.parts[0], origin.text());
      });
    }

    test('an idle upstream (a stall mid-stream) ends a background answer after the idle timeout', async () => {
      const stalled = await startFakeUpstream({ models: ['stall-model'] });
      const idleServer = await startTestServer(kind, {
        providers: [{ ...fakeProvider(stalled, ['stall-model'], 'stall'), idleTimeoutMs: 300 }],
      });
      try {
        stalled.script({ kind: 'stall', afterChunks: 4, text: longText });
        const response = await idleServer.request('/backend-api/conversation', {
          method: 'POST',
          as: idleServer.alice,
          json: { action: 'next', model: 'stall-model', messages: [userMessage('stall please')] },
          headers: { 'x-backchat-background': '1' },
        });
        const origin = new LiveStream(response);
        await origin.ended;
        assert.ok(origin.finished());
        assert.ok(
          origin.payloads().some((payload) => payload.error),
          'an error event',
        );
        await stalled.requests[0]?.closed;
        assert.equal(stalled.requests[0]?.clientAborted, true, 'the upstream request was aborted');
      } finally {
        await idleServer.close();
        await stalled.close();
      }
    });
  });
});
