/** The demo model beyond the provider contract: honest content, determinism, titles, continue, pacing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demoModel } from '../../src/providers/demo/demo-model.js';
import { DemoProvider, defaultDemoTokenDelayMs } from '../../src/providers/demo/demo-provider.js';
import { composeDemoReply } from '../../src/providers/demo/demo-reply.js';
import { countPromptTokens, countTokens, limitToTokens } from '../../src/providers/demo/token-budget.js';
import { splitIntoWordTokens } from '../../src/providers/demo/word-tokens.js';
import type { ChatMessage, ChatRequest, StreamPart } from '../../src/providers/model-provider.js';

const instant = new DemoProvider({ tokenDelayMs: 0 });

function chat(messages: ChatMessage[], options: Partial<ChatRequest> = {}): ChatRequest {
  return { model: demoModel, messages, maxOutputTokens: 1024, purpose: 'chat', ...options };
}

async function run(request: ChatRequest, provider = instant, signal = new AbortController().signal) {
  const parts: StreamPart[] = [];
  for await (const part of provider.streamChat(request, signal)) parts.push(part);
  const text = parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
  return { parts, text, terminal: parts.at(-1) };
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: 'How do I sort a list in Python?' },
  { role: 'assistant', content: 'Use sorted(items).' },
  { role: 'user', content: 'And in reverse order?' },
];

describe('demo model info', () => {
  it('is labelled as the demo, says it is not an LLM and how to connect a real model', () => {
    assert.equal(demoModel.slug, 'demo');
    assert.equal(demoModel.title, 'Demo (no model configured)');
    assert.equal(demoModel.isDemo, true);
    for (const needle of ['not an LLM', 'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'Ollama']) {
      assert.ok(demoModel.description.includes(needle), needle);
    }
    assert.ok(demoModel.maxOutputTokens < demoModel.contextWindow);
  });
});

describe('demo replies', () => {
  it('are deterministic: the same prompt streams the same deltas', async () => {
    const first = await run(chat(conversation));
    const second = await run(chat(conversation));
    assert.deepEqual(first.parts, second.parts);
    const other = await run(chat([{ role: 'user', content: 'Something else entirely' }]));
    assert.notEqual(other.text, first.text);
  });

  it('quote the question and report turn, message count and prompt tokens', async () => {
    const { text } = await run(chat(conversation));
    assert.ok(text.includes('> And in reverse order?'));
    assert.ok(text.includes('Turn 2 of this conversation.'));
    const tokens = countPromptTokens(conversation);
    assert.ok(text.includes(`The prompt I received has 4 messages and ${tokens} tokens`), text);
    assert.ok(text.includes('not an LLM'));
  });

  it('exercise markdown: a list, a fenced code block with a language, and sometimes a table or formula', () => {
    const prompts = Array.from({ length: 24 }, (_, index) => `Question number ${index} about topic ${index * 7}`);
    const replies = prompts.map((content) => composeDemoReply([{ role: 'user', content }]));
    for (const reply of replies) {
      assert.match(reply, /^- Turn \d+/m);
      assert.match(reply, /```(ts|python|json)\n[\s\S]+?\n```/);
    }
    assert.ok(
      replies.some((reply) => reply.includes('| --- |')),
      'some reply has a table',
    );
    assert.ok(
      replies.some((reply) => reply.includes('\\( n^2 = ')),
      'some reply has a formula',
    );
    assert.ok(
      replies.some((reply) => !reply.includes('| --- |')),
      'not every reply has a table',
    );
    assert.equal(
      new Set(replies.map((reply) => /```(\w+)/.exec(reply)?.[1])).size,
      3,
      'all three code languages occur',
    );
  });

  it('handle an empty message and a very long one', () => {
    assert.ok(composeDemoReply([{ role: 'user', content: '' }]).includes('You sent an empty message.'));
    const long = composeDemoReply([{ role: 'user', content: 'word '.repeat(2000) }]);
    assert.ok(long.includes('…'), 'the quote is clipped');
    assert.ok(long.length < 2000);
  });
});

describe('demo limits and continue', () => {
  it('stops at maxOutputTokens with max_tokens, never beyond the limit', async () => {
    const { text, terminal } = await run(chat(conversation, { maxOutputTokens: 40 }));
    assert.ok(terminal?.type === 'finish' && terminal.reason === 'max_tokens');
    assert.ok(countTokens(text) <= 40);
    assert.equal(terminal.usage?.completionTokens, countTokens(text));
    assert.ok(composeDemoReply(conversation).startsWith(text));
  });

  it('continues a cut reply from exactly where it stopped', async () => {
    const full = composeDemoReply(conversation);
    const cut = await run(chat(conversation, { maxOutputTokens: 40 }));
    const continued = await run(chat([...conversation, { role: 'assistant', content: cut.text }]));
    assert.equal(cut.text + continued.text, full);
    assert.ok(continued.terminal?.type === 'finish' && continued.terminal.reason === 'stop');
  });

  it('continues deterministically when the partial text is not its own', async () => {
    const messages: ChatMessage[] = [...conversation, { role: 'assistant', content: 'Some other model said' }];
    const first = await run(chat(messages));
    assert.equal((await run(chat(messages))).text, first.text);
    assert.match(first.text, /can only continue replies it wrote itself/);
  });

  it('limitToTokens cuts inside multibyte text at a character boundary', () => {
    const text = '👨‍👩‍👧 你好世界 '.repeat(20);
    for (const max of [1, 2, 3, 7, 15]) {
      const { text: cut, truncated } = limitToTokens(text, max);
      assert.ok(truncated && text.startsWith(cut) && !cut.includes('\uFFFD'));
      assert.ok(countTokens(cut) <= max);
    }
  });
});

describe('demo titles', () => {
  const titleOf = async (messages: ChatMessage[]) => (await run(chat(messages, { purpose: 'title' }))).text;

  it('derive a short Title Case title from the first user message', async () => {
    assert.equal(await titleOf(conversation), 'How Do I Sort A List');
    assert.equal(await titleOf([{ role: 'user', content: '"what\'s new" in node.js?' }]), "What's New In Node Js");
  });

  it('read the exchange embedded in a title prompt', async () => {
    const prompt =
      'Write a short title (at most 6 words) for this conversation.\n\nUser: explain quantum entanglement simply!\n\nAssistant: Sure.';
    assert.equal(await titleOf([{ role: 'user', content: prompt }]), 'Explain Quantum Entanglement Simply');
  });

  it('have at most 6 words, no trailing punctuation, and a fallback', async () => {
    const title = await titleOf([{ role: 'user', content: 'one two three four five six seven eight.' }]);
    assert.equal(title, 'One Two Three Four Five Six');
    assert.equal(await titleOf([{ role: 'user', content: '?!' }]), 'Demo Chat');
    assert.equal(await titleOf([{ role: 'user', content: '你好，世界！' }]), '你好 世界');
  });
});

describe('demo pacing and abort', () => {
  it('defaults to about 30 tokens per second', () => {
    assert.ok(defaultDemoTokenDelayMs >= 25 && defaultDemoTokenDelayMs <= 40);
  });

  it('roughly honours tokenDelayMs (generous bounds)', async () => {
    const provider = new DemoProvider({ tokenDelayMs: 20 });
    const started = performance.now();
    let deltas = 0;
    for await (const part of provider.streamChat(chat(conversation), new AbortController().signal)) {
      if (part.type === 'text-delta' && ++deltas === 10) break;
    }
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 10 * 20 * 0.7, `took ${elapsed} ms`);
    assert.ok(elapsed < 10 * 20 * 10, `took ${elapsed} ms`);
  });

  it('stops promptly when aborted during a long token delay', async () => {
    const provider = new DemoProvider({ tokenDelayMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50).unref();
    const started = performance.now();
    const { parts, terminal } = await run(chat(conversation), provider, controller.signal);
    assert.ok(performance.now() - started < 1000);
    assert.equal(parts.length, 1);
    assert.ok(terminal?.type === 'finish' && terminal.reason === 'aborted');
  });
});

describe('word tokens', () => {
  it('cut text into 1–4 character pieces that join back to the text', () => {
    for (const text of [composeDemoReply(conversation), '👨‍👩‍👧 naïve café\n\n  tabs\tand ```code```', '', 'x']) {
      const pieces = splitIntoWordTokens(text);
      assert.equal(pieces.join(''), text);
      for (const piece of pieces) assert.ok(Array.from(piece).length >= 1 && Array.from(piece).length <= 4, piece);
    }
  });
});
