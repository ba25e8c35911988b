/**
 * Hardening: provider base URLs come only from the operator's config (docs/security.md, pattern 3: SSRF).
 * Turn and title bodies naming a loopback canary server in `base_url`, `baseURL`, `api_base`,
 * `provider`, `upstream`, `endpoint`, `model`, message metadata or `conversation_mode` cause 0
 * connections to it, while the operator's (fake) upstream answers every turn.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startCanaryServer } from '../helpers/canary-server.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { startTestServer } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';

describe('provider base URLs come only from the operator', () => {
  test('turn and title bodies naming a loopback canary as base URL or provider cause 0 connections to it', async () => {
    const canary = await startCanaryServer();
    const upstream = await startFakeUpstream({ models: ['operator-model'] });
    const server = await startTestServer('sqlite', {
      providers: [
        { type: 'openai-compatible', id: 'operator', baseUrl: upstream.url, models: [{ id: 'operator-model' }] },
      ],
    });
    try {
      const target = `${canary.origin}/v1`;
      const smuggled = {
        base_url: target,
        baseURL: target,
        baseUrl: target,
        api_base: target,
        provider: { type: 'openai-compatible', baseUrl: target },
        upstream: target,
        endpoint: target,
      };
      const bodies = [
        { action: 'next', messages: [userMessage('Where do you go?')], ...smuggled },
        { action: 'next', model: target, messages: [userMessage('Model as a URL')] },
        {
          action: 'next',
          messages: [{ ...userMessage('In metadata'), metadata: smuggled }],
          conversation_mode: { kind: 'primary_assistant', ...smuggled },
        },
      ];
      let conversationId = '';
      for (const body of bodies) {
        const response = await server.request('/backend-api/conversation', {
          method: 'POST',
          as: server.alice,
          json: body,
        });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        conversationId = /"conversation_id": "([^"]+)"/.exec(text)?.[1] ?? conversationId;
      }
      const title = await server.request(`/backend-api/conversation/gen_title/${conversationId}`, {
        method: 'POST',
        as: server.alice,
        json: smuggled,
      });
      assert.equal(title.status, 200, await title.text());
      assert.ok(upstream.requests.length >= bodies.length + 1, 'the operator’s upstream was not used');
      assert.deepEqual(canary.hits, []);
    } finally {
      await server.close();
      await upstream.close();
      await canary.close();
    }
  });
});
