/**
 * Bad-input corpus for the HTTP suites (docs/security.md, pattern 2) and the error
 * contract every rejection must meet: the expected 4xx, `application/json`, a `{"detail": …}` body
 * whose detail is a non-empty string or an object with a `message`, and nothing internal in it.
 *
 * Paths and bodies may hold `{conversation}`, `{assistant}` and `{user}`: the ids of the seeded
 * conversation, its first answer and its user message, filled in when the case runs.
 */

export interface BadInputCase {
  name: string;
  /** Default POST. */
  method?: string;
  path: string;
  /** Sent byte for byte; a string is encoded as UTF-8. */
  body?: string | Uint8Array;
  /** Default `application/json` when there is a body; null sends none. */
  contentType?: string | null;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Send over a raw socket (methods fetch forbids, un-normalised paths). */
  raw?: boolean;
  /** Acceptable statuses; a 2xx among them means the input may also be accepted. */
  status: readonly number[];
  /** Text the detail must contain (case-insensitive), e.g. the field name. */
  mentions?: string;
}

/** Things an error body must never reveal: stack frames, source paths, SQL, driver errors. */
export const leakPatterns: readonly RegExp[] = [
  /\bat [\w.<>]+ \(/,
  /:\d+:\d+\)/,
  /node_modules|\/work\/|\/src\/|\/home\/|\/tmp\//,
  /\.(?:ts|js|mjs):\d+/,
  /\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bdelete\s+from\b|\bupdate\s+\w+\s+set\b/i,
  /SQLITE_|sqlite3?\b|postgres|violates|constraint|syntax error at|relation "/i,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError)\b|\bErr(?:or)?:\s/,
];

export interface ErrorResponse {
  status: number;
  contentType: string | null;
  text: string;
}

/** Everything wrong with `response` as a rejection matching `expected`; [] when it is right. */
export function errorContractProblems(
  response: ErrorResponse,
  expected: { status: readonly number[]; mentions?: string },
): string[] {
  const problems: string[] = [];
  if (!expected.status.includes(response.status))
    problems.push(`status ${response.status}, expected ${expected.status.join(' or ')}`);
  if (!/^application\/json\b/.test(response.contentType ?? '')) problems.push(`content-type ${response.contentType}`);
  const detail = detailText(response.text);
  if (detail === undefined) problems.push('body is not {"detail": string | {message}}');
  else if (expected.mentions && !detail.toLowerCase().includes(expected.mentions.toLowerCase())) {
    problems.push(`detail does not mention "${expected.mentions}"`);
  }
  const leak = leakPatterns.find((pattern) => pattern.test(response.text));
  if (leak) problems.push(`body reveals internals (${leak})`);
  return problems.length > 0 ? [...problems, `body: ${response.text.slice(0, 300)}`] : [];
}

/** The human-readable detail of a `{"detail": …}` body, or undefined when the body has another shape. */
export function detailText(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || !('detail' in body)) return undefined;
  const detail = body.detail;
  if (typeof detail === 'string') return detail.length > 0 ? detail : undefined;
  if (typeof detail === 'object' && detail !== null && 'message' in detail && typeof detail.message === 'string') {
    return detail.message.length > 0 ? detail.message : undefined;
  }
  return undefined;
}

export function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

export function nestedObjects(depth: number, inner = '1'): string {
  return `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}

const conversationPath = '/backend-api/conversation';
const listPath = '/backend-api/conversations';
const patchPath = `${conversationPath}/{conversation}`;
const titlePath = `${conversationPath}/gen_title/{conversation}`;
const feedbackPath = `${conversationPath}/message_feedback`;
const latencyPath = '/backend-api/lat/r';
const batchPath = '/ces/v1/b';

const userText = { author: { role: 'user' }, content: { content_type: 'text', parts: ['hello'] } };

/** A valid follow-up turn in the seeded conversation: accepted, it would add rows to it. */
export const validTurn = {
  action: 'next',
  conversation_id: '{conversation}',
  parent_message_id: '{assistant}',
  model: 'text-davinci-002-render-sha',
  messages: [userText],
};

/** `validTurn` with `fields` set (undefined removes a field), as JSON text. */
export function turnWith(fields: Record<string, unknown>): string {
  const body: Record<string, unknown> = { ...validTurn, ...fields };
  for (const [key, value] of Object.entries(fields)) if (value === undefined) delete body[key];
  return JSON.stringify(body);
}

/** `validTurn` with a raw JSON member spliced in first (for numbers and keys JSON.stringify cannot write). */
export function turnWithRaw(member: string): string {
  return `{${member},${JSON.stringify(validTurn).slice(1)}`;
}

/** `validTurn` whose user message carries `metadata` as raw JSON text. */
export function turnWithMetadata(metadata: string): string {
  const message = JSON.stringify(userText).slice(0, -1);
  return JSON.stringify({ ...validTurn, messages: ['MESSAGE'] }).replace(
    '"MESSAGE"',
    `${message},"metadata":${metadata}}`,
  );
}

const validFeedback = { message_id: '{assistant}', conversation_id: '{conversation}', rating: 'thumbsUp' };

const post = (path: string, body: string, status: readonly number[] = [400], mentions?: string) => ({
  path,
  body,
  status,
  mentions,
});
const field = (name: string, path: string, body: string, mentions = name): BadInputCase => ({
  name,
  ...post(path, body, [400], mentions),
});

const invalidUtf8 = (before: string, bytes: number[], after: string): Uint8Array =>
  new Uint8Array(Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]));
const [turnHead = '', turnTail = ''] = JSON.stringify(validTurn).split('hello');

export const malformedJsonCases: BadInputCase[] = [
  { name: 'truncated', ...post(conversationPath, JSON.stringify(validTurn).slice(0, 40), [400], 'JSON') },
  { name: 'trailing comma', ...post(conversationPath, `${JSON.stringify(validTurn).slice(0, -1)},}`, [400], 'JSON') },
  { name: 'NaN', ...post(conversationPath, turnWithRaw('"timezone_offset_min":NaN'), [400], 'JSON') },
  { name: 'BOM prefix', ...post(conversationPath, `\ufeff${JSON.stringify(validTurn)}`) },
  { name: 'bare null', ...post(conversationPath, 'null') },
  { name: 'array instead of object', ...post(conversationPath, `[${JSON.stringify(validTurn)}]`) },
  { name: 'empty body with content-type json', ...post(conversationPath, '') },
  { name: 'whitespace-only body', ...post(conversationPath, ' \r\n\t ') },
  { name: 'single quotes', ...post(conversationPath, "{'action':'next'}", [400], 'JSON') },
  { name: 'comment', ...post(conversationPath, `/* c */${JSON.stringify(validTurn)}`, [400], 'JSON') },
  {
    name: 'two documents',
    ...post(conversationPath, `${JSON.stringify(validTurn)}${JSON.stringify(validTurn)}`, [400], 'JSON'),
  },
  {
    name: 'invalid UTF-8 bytes inside a string',
    path: conversationPath,
    body: invalidUtf8(turnHead, [0xff, 0xfe], turnTail),
    status: [400],
  },
  {
    name: 'overlong UTF-8 encoding of "/"',
    path: conversationPath,
    body: invalidUtf8(turnHead, [0xc0, 0xaf], turnTail),
    status: [400],
  },
  {
    name: 'invalid UTF-8 bytes between tokens',
    path: conversationPath,
    body: invalidUtf8('{"action":"next"', [0xff], '}'),
    status: [400],
  },
  { name: 'binary garbage', path: conversationPath, body: new Uint8Array([0, 1, 2, 0xff, 0x80, 0x7b]), status: [400] },
  { name: 'PATCH: truncated', method: 'PATCH', ...post(patchPath, '{"title":"x"', [400], 'JSON') },
  { name: 'gen_title: trailing comma', ...post(titlePath, '{"message_id":"{assistant}",}', [400], 'JSON') },
  { name: 'message_feedback: NaN rating', ...post(feedbackPath, '{"rating":NaN}', [400], 'JSON') },
  { name: 'lat/r: bare null', ...post(latencyPath, 'null') },
  { name: 'gen_title: bare null', ...post(titlePath, 'null') },
  { name: 'message_feedback: array', ...post(feedbackPath, `[${JSON.stringify(validFeedback)}]`) },
  { name: 'ces/v1/b: truncated', ...post(batchPath, '{"batch":[{"type":"track"', [400], 'JSON') },
];

export const contentTypeCases: BadInputCase[] = [
  { name: 'text/plain', ...post(conversationPath, JSON.stringify(validTurn), [415, 400]), contentType: 'text/plain' },
  {
    name: 'multipart/form-data',
    ...post(conversationPath, '--b\r\n\r\n--b--', [415, 400]),
    contentType: 'multipart/form-data; boundary=b',
  },
  {
    name: 'form-urlencoded',
    ...post(conversationPath, 'action=next', [415, 400]),
    contentType: 'application/x-www-form-urlencoded',
  },
  { name: 'no content-type', ...post(conversationPath, JSON.stringify(validTurn), [415, 400]), contentType: null },
  {
    name: 'charset=latin1',
    ...post(conversationPath, JSON.stringify(validTurn), [415, 400]),
    contentType: 'application/json; charset=latin1',
  },
  {
    name: 'PATCH text/plain',
    method: 'PATCH',
    ...post(patchPath, '{"title":"x"}', [415, 400]),
    contentType: 'text/plain',
  },
  { name: 'lat/r: no content-type', ...post(latencyPath, '{}', [415, 400]), contentType: null },
  { name: 'ces/v1/b: text/plain', ...post(batchPath, '{"batch":[]}', [415, 400]), contentType: 'text/plain' },
];

const listQuery = (query: string, mentions: string): BadInputCase => ({
  name: `GET conversations?${query}`,
  method: 'GET',
  path: `${listPath}?${query}`,
  status: [400],
  mentions,
});

export const wrongTypeCases: BadInputCase[] = [
  field('conversation_id: 123', conversationPath, turnWith({ conversation_id: 123 }), 'conversation_id'),
  field('messages: {}', conversationPath, turnWith({ messages: {} }), 'messages'),
  field(
    'parts: [1,2]',
    conversationPath,
    turnWith({ messages: [{ ...userText, content: { content_type: 'text', parts: [1, 2] } }] }),
    'parts',
  ),
  field(
    'parts: []',
    conversationPath,
    turnWith({ messages: [{ ...userText, content: { content_type: 'text', parts: [] } }] }),
    'parts',
  ),
  field(
    'content_type: image',
    conversationPath,
    turnWith({ messages: [{ ...userText, content: { content_type: 'image', parts: ['x'] } }] }),
    'content_type',
  ),
  field(
    'author.role: assistant',
    conversationPath,
    turnWith({ messages: [{ ...userText, author: { role: 'assistant' } }] }),
    'role',
  ),
  field('two messages', conversationPath, turnWith({ messages: [userText, userText] }), 'messages'),
  field('action: "bogus"', conversationPath, turnWith({ action: 'bogus' }), 'action'),
  field('missing action', conversationPath, turnWith({ action: undefined }), 'action'),
  field('action: null', conversationPath, turnWith({ action: null }), 'action'),
  field('parent_message_id: ["x"]', conversationPath, turnWith({ parent_message_id: ['x'] }), 'parent_message_id'),
  field('model: 42', conversationPath, turnWith({ model: 42 }), 'model'),
  field(
    'timezone_offset_min: "-180"',
    conversationPath,
    turnWith({ timezone_offset_min: '-180' }),
    'timezone_offset_min',
  ),
  field(
    'history_and_training_disabled: "false"',
    conversationPath,
    turnWith({ history_and_training_disabled: 'false' }),
    'history_and_training_disabled',
  ),
  listQuery('offset=-1', 'offset'),
  listQuery('limit=1e9', 'limit'),
  listQuery('limit=abc', 'limit'),
  listQuery('limit=0', 'limit'),
  listQuery('offset=0&offset=100', 'offset'),
  listQuery('limit[]=1', 'limit'),
  listQuery('is_archived=yes', 'is_archived'),
  listQuery('order=bogus', 'order'),
  { ...field('PATCH is_visible: "false"', patchPath, '{"is_visible":"false"}', 'is_visible'), method: 'PATCH' },
  { ...field('PATCH is_archived: "true"', patchPath, '{"is_archived":"true"}', 'is_archived'), method: 'PATCH' },
  { ...field('PATCH is_archived: 1', patchPath, '{"is_archived":1}', 'is_archived'), method: 'PATCH' },
  { ...field('PATCH title: 42', patchPath, '{"title":42}', 'title'), method: 'PATCH' },
  { ...field('PATCH title: "  "', patchPath, '{"title":"  "}', 'title'), method: 'PATCH' },
  { ...field('PATCH current_node: not a UUID', patchPath, '{"current_node":"nope"}', 'current_node'), method: 'PATCH' },
  { ...field('PATCH {}', patchPath, '{}', 'title'), method: 'PATCH' },
  {
    ...field('PATCH conversations is_visible: "false"', listPath, '{"is_visible":"false"}', 'is_visible'),
    method: 'PATCH',
  },
  field('gen_title message_id: 123', titlePath, '{"message_id":123}', 'message_id'),
  field('gen_title message_id: not a UUID', titlePath, '{"message_id":"nope"}', 'message_id'),
  field('feedback rating: "meh"', feedbackPath, JSON.stringify({ ...validFeedback, rating: 'meh' }), 'rating'),
  field(
    'feedback missing message_id',
    feedbackPath,
    JSON.stringify({ ...validFeedback, message_id: undefined }),
    'message_id',
  ),
  field(
    'feedback conversation_id: 123',
    feedbackPath,
    JSON.stringify({ ...validFeedback, conversation_id: 123 }),
    'conversation_id',
  ),
  field('feedback tags: "harmful"', feedbackPath, JSON.stringify({ ...validFeedback, tags: 'harmful' }), 'tags'),
  field('lat/r count_tokens: "74"', latencyPath, '{"count_tokens":"74"}', 'count_tokens'),
  field('lat/r ts_total_request_ms: -1', latencyPath, '{"ts_total_request_ms":-1}', 'ts_total_request_ms'),
  field('lat/r ts_first_token_ms: 1e309', latencyPath, '{"ts_first_token_ms":1e309}', 'ts_first_token_ms'),
  field('lat/r count_tokens: 9007199254740993', latencyPath, '{"count_tokens":9007199254740993}', 'count_tokens'),
  field('ces batch: {}', batchPath, '{"batch":{}}', 'batch'),
  field('ces event without type', batchPath, '{"batch":[{"event":"x"}]}', 'type'),
  field('ces event type: "bogus"', batchPath, '{"batch":[{"type":"bogus"}]}', 'type'),
  field('ces properties: []', batchPath, '{"batch":[{"type":"track","properties":[]}]}', 'properties'),
  field(
    'ces 10,000 events',
    batchPath,
    JSON.stringify({ batch: Array.from({ length: 10_000 }, () => ({ type: 'track' })) }),
    'batch',
  ),
];

/** Text PostgreSQL cannot store in a text column: a clear 400, never a 500 from the store. */
export const unstorableTextCases: BadInputCase[] = [
  {
    ...field('PATCH title with U+0000', patchPath, '{"title":"a\\u0000b"}', 'title'),
    mentions: undefined,
    method: 'PATCH',
  },
  {
    ...field('PATCH title with a lone surrogate', patchPath, '{"title":"a\\ud800b"}', 'title'),
    mentions: undefined,
    method: 'PATCH',
  },
  {
    ...field('feedback text with U+0000', feedbackPath, JSON.stringify({ ...validFeedback, text: 'a\u0000b' })),
    mentions: undefined,
  },
  { ...field('lat/r model with U+0000', latencyPath, '{"model":"a\\u0000b"}'), mentions: undefined },
  {
    ...field('ces event name with U+0000', batchPath, '{"batch":[{"type":"track","event":"a\\u0000b"}]}'),
    mentions: undefined,
  },
];

const deep = 10_000;

export const nestingCases: BadInputCase[] = [
  { name: `[[[…]]] depth ${deep}`, ...post(conversationPath, nestedArrays(deep), [400], '64') },
  { name: `{"a":{"a":…}} depth ${deep}`, ...post(conversationPath, nestedObjects(deep), [400], '64') },
  { name: `unclosed [[[… depth ${deep}`, ...post(conversationPath, '['.repeat(deep), [400], '64') },
  {
    name: '64 levels inside messages[0].metadata',
    ...post(conversationPath, turnWithMetadata(nestedObjects(64)), [400], '64'),
  },
  { name: `PATCH depth ${deep}`, method: 'PATCH', ...post(patchPath, nestedObjects(deep), [400], '64') },
  { name: `lat/r depth ${deep}`, ...post(latencyPath, nestedArrays(deep), [400], '64') },
  {
    name: `ces properties depth ${deep}`,
    ...post(batchPath, `{"batch":[{"type":"track","properties":${nestedObjects(deep)}}]}`, [400], '64'),
  },
];

const oneMiB = 1024 * 1024;

export const hugeBodyCases: BadInputCase[] = [
  { name: '2 MiB turn', ...post(conversationPath, turnWith({ pad: 'x'.repeat(2 * oneMiB) }), [413]) },
  {
    name: '5 MB single message',
    ...post(
      conversationPath,
      turnWith({ messages: [{ ...userText, content: { content_type: 'text', parts: ['x'.repeat(5_000_000)] } }] }),
      [413],
    ),
  },
  {
    name: '100,000 parts',
    ...post(
      conversationPath,
      turnWith({ messages: [{ ...userText, content: { content_type: 'text', parts: Array(100_000).fill('') } }] }),
      [400, 413],
      'parts',
    ),
  },
  {
    name: 'PATCH 1 MB title',
    method: 'PATCH',
    ...post(patchPath, JSON.stringify({ title: 'x'.repeat(1_000_000) }), [400, 413]),
  },
  {
    name: 'PATCH 2 MiB',
    method: 'PATCH',
    ...post(patchPath, JSON.stringify({ title: 'x'.repeat(2 * oneMiB) }), [413]),
  },
  {
    name: 'ces 600 KB batch',
    ...post(batchPath, JSON.stringify({ batch: [{ type: 'track' }], pad: 'x'.repeat(600 * 1024) }), [413]),
  },
  {
    name: 'ces one 40 KB event',
    ...post(
      batchPath,
      JSON.stringify({ batch: [{ type: 'track', properties: { p: 'x'.repeat(40 * 1024) } }] }),
      [400],
      '32 KB',
    ),
  },
];

const notFoundBody = '{"detail":{"message":"Conversation not found","code":"conversation_not_found"}}';
const unknownId = '0bd7fd0b-1a7e-4c2c-9f3e-1d2a3b4c5d6e';
const get = (name: string, path: string): BadInputCase => ({ name, method: 'GET', path, status: [400, 404] });

export const invalidIdCases: BadInputCase[] = [
  get('GET not a UUID', `${conversationPath}/not-a-uuid`),
  get('GET ..%2F..%2Fetc%2Fpasswd', `${conversationPath}/..%2F..%2Fetc%2Fpasswd`),
  get('GET %2e%2e', `${conversationPath}/%2e%2e`),
  get('GET NUL (%00)', `${conversationPath}/%00`),
  get('GET UUID with %00 appended', `${conversationPath}/${unknownId}%00`),
  get('GET 10 KB id', `${conversationPath}/${'x'.repeat(10 * 1024)}`),
  get('GET /api 10 KB id', `/api/conversation/${'7'.repeat(10 * 1024)}`),
  get('GET malformed percent-encoding', `${conversationPath}/%E0%A4%A`),
  { ...get('GET raw /../../etc/passwd', `${conversationPath}/../../etc/passwd`), raw: true },
  { ...get('PATCH not a UUID', `${conversationPath}/not-a-uuid`), method: 'PATCH', body: '{"title":"x"}' },
  { ...get('DELETE not a UUID', `${conversationPath}/not-a-uuid`), method: 'DELETE' },
  {
    ...get('gen_title 10 KB id', `${conversationPath}/gen_title/${'x'.repeat(10 * 1024)}`),
    method: 'POST',
    body: '{}',
  },
  field('conversation_id not a UUID', conversationPath, turnWith({ conversation_id: 'not-a-uuid' }), 'conversation_id'),
  field(
    'conversation_id ../../etc/passwd',
    conversationPath,
    turnWith({ conversation_id: '../../etc/passwd' }),
    'conversation_id',
  ),
  field('parent_message_id NUL', conversationPath, turnWith({ parent_message_id: '\u0000' }), 'parent_message_id'),
  field(
    'messages[0].id 10 KB',
    conversationPath,
    turnWith({ messages: [{ ...userText, id: 'a'.repeat(10 * 1024) }] }),
    'id',
  ),
  field(
    'feedback message_id ../',
    feedbackPath,
    JSON.stringify({ ...validFeedback, message_id: '../x' }),
    'message_id',
  ),
];

/** Well-formed UUIDs that name nothing: exactly ChatGPT's conversation_not_found body. */
export const unknownIdCases: Array<BadInputCase & { exactBody: string }> = [
  {
    name: 'GET unknown UUID',
    method: 'GET',
    path: `${conversationPath}/${unknownId}`,
    status: [404],
    exactBody: notFoundBody,
  },
  {
    name: 'PATCH unknown UUID',
    method: 'PATCH',
    path: `${conversationPath}/${unknownId}`,
    body: '{"title":"x"}',
    status: [404],
    exactBody: notFoundBody,
  },
  {
    name: 'DELETE unknown UUID',
    method: 'DELETE',
    path: `${conversationPath}/${unknownId}`,
    status: [404],
    exactBody: notFoundBody,
  },
  {
    name: 'gen_title unknown UUID',
    path: `${conversationPath}/gen_title/${unknownId}`,
    body: '{}',
    status: [404],
    exactBody: notFoundBody,
  },
  {
    name: 'turn in unknown UUID',
    path: conversationPath,
    body: turnWith({ conversation_id: unknownId }),
    status: [404],
    exactBody: notFoundBody,
  },
];

export const prototypePollutionCases: BadInputCase[] = [
  {
    name: '__proto__ top level',
    ...post(conversationPath, turnWithRaw('"__proto__":{"isAdmin":true}'), [400], '__proto__'),
  },
  {
    name: '__proto__ written as \\u005f_proto__',
    ...post(conversationPath, turnWithRaw('"\\u005f_proto__":{"isAdmin":true}'), [400], '__proto__'),
  },
  {
    name: '__proto__ in messages[0].metadata',
    ...post(conversationPath, turnWithMetadata('{"__proto__":{"isAdmin":true}}'), [400], '__proto__'),
  },
  {
    name: 'constructor.prototype top level',
    ...post(conversationPath, turnWithRaw('"constructor":{"prototype":{"x":1}}'), [400], 'constructor'),
  },
  {
    name: 'constructor.prototype in metadata',
    ...post(conversationPath, turnWithMetadata('{"constructor":{"prototype":{"isAdmin":true}}}'), [400], 'constructor'),
  },
  {
    name: 'PATCH __proto__',
    method: 'PATCH',
    ...post(patchPath, '{"title":"x","__proto__":{"isAdmin":true}}', [400], '__proto__'),
  },
  { name: 'feedback __proto__', ...post(feedbackPath, '{"__proto__":{"isAdmin":true}}', [400], '__proto__') },
  {
    name: 'lat/r constructor.prototype',
    ...post(latencyPath, '{"constructor":{"prototype":{"isAdmin":true}}}', [400], 'constructor'),
  },
  {
    name: 'ces properties.__proto__',
    ...post(batchPath, '{"batch":[{"type":"track","properties":{"__proto__":{"isAdmin":true}}}]}', [400], '__proto__'),
  },
  {
    name: 'ces context.constructor.prototype',
    ...post(
      batchPath,
      '{"batch":[{"type":"track","context":{"constructor":{"prototype":{"x":1}}}}]}',
      [400],
      'constructor',
    ),
  },
  { name: 'query ?__proto__[x]=1', method: 'GET', path: `${listPath}?__proto__[x]=1`, status: [200, 400] },
  {
    name: 'query ?__proto__=1&constructor=1',
    method: 'GET',
    path: `${listPath}?__proto__=1&constructor=1`,
    status: [200, 400],
  },
  {
    name: 'query ?constructor[prototype][isAdmin]=1',
    method: 'GET',
    path: `${listPath}?constructor[prototype][isAdmin]=1`,
    status: [200, 400],
  },
];

export const duplicateKeyCases: BadInputCase[] = [
  { name: '"action" twice', ...post(conversationPath, turnWithRaw('"action":"variant"'), [400], 'action') },
  {
    name: '"conversation_id" twice',
    ...post(conversationPath, turnWithRaw(`"conversation_id":"${unknownId}"`), [400], 'conversation_id'),
  },
  { name: 'PATCH "title" twice', method: 'PATCH', ...post(patchPath, '{"title":"a","title":"b"}', [400], 'title') },
  {
    name: 'feedback "rating" twice',
    ...post(feedbackPath, '{"rating":"thumbsUp","rating":"thumbsDown"}', [400], 'rating'),
  },
];

export const numberCases: BadInputCase[] = [
  field(
    'timezone_offset_min: 1e309',
    conversationPath,
    turnWithRaw('"timezone_offset_min":1e309'),
    'timezone_offset_min',
  ),
  field(
    'timezone_offset_min: 9007199254740993',
    conversationPath,
    turnWithRaw('"timezone_offset_min":9007199254740993'),
    'timezone_offset_min',
  ),
  field('timezone_offset_min: 1.5', conversationPath, turnWithRaw('"timezone_offset_min":1.5'), 'timezone_offset_min'),
  field('timezone_offset_min: 0x10', conversationPath, turnWithRaw('"timezone_offset_min":0x10'), 'JSON'),
  field('timezone_offset_min: +1', conversationPath, turnWithRaw('"timezone_offset_min":+1'), 'JSON'),
  field('lat/r preflight_time_ms: -1e309', latencyPath, '{"preflight_time_ms":-1e309}', 'preflight_time_ms'),
];

const over = (chars: number) => 'x'.repeat(chars + 1);
const messageWith = (fields: Record<string, unknown>) => turnWith({ messages: [{ ...userText, ...fields }] });

/** Every string and array field has its own cap, well under the body's 1 MiB; the 400 names the field. */
export const fieldCapCases: BadInputCase[] = [
  field(
    '65 parts',
    conversationPath,
    messageWith({ content: { content_type: 'text', parts: Array(65).fill('a') } }),
    'parts',
  ),
  field(
    'a 400,001-character part',
    conversationPath,
    messageWith({ content: { content_type: 'text', parts: [over(400_000)] } }),
    'parts',
  ),
  field('17 KB message metadata', conversationPath, messageWith({ metadata: { pad: over(17 * 1024) } }), 'metadata'),
  field(
    '5 KB conversation_mode',
    conversationPath,
    turnWith({ conversation_mode: { kind: 'primary_assistant', pad: over(5000) } }),
    'conversation_mode',
  ),
  field(
    'conversation_mode.kind of 101 characters',
    conversationPath,
    turnWith({ conversation_mode: { kind: over(100) } }),
    'kind',
  ),
  field('model of 201 characters', conversationPath, turnWith({ model: over(200) }), 'model'),
  field('17 suggestions', conversationPath, turnWith({ suggestions: Array(17).fill('a') }), 'suggestions'),
  field('a 4,001-character suggestion', conversationPath, turnWith({ suggestions: [over(4000)] }), 'suggestions'),
  field(
    'arkose_token of 20,001 characters',
    conversationPath,
    turnWith({ arkose_token: over(20_000) }),
    'arkose_token',
  ),
  {
    ...field('PATCH title of 201 characters', patchPath, JSON.stringify({ title: over(200) }), 'title'),
    method: 'PATCH',
  },
  field('gen_title model of 201 characters', titlePath, JSON.stringify({ model: over(200) }), 'model'),
  field(
    'feedback text of 10,001 characters',
    feedbackPath,
    JSON.stringify({ ...validFeedback, text: over(10_000) }),
    'text',
  ),
  field('feedback 21 tags', feedbackPath, JSON.stringify({ ...validFeedback, tags: Array(21).fill('a') }), 'tags'),
  field(
    'feedback tag of 101 characters',
    feedbackPath,
    JSON.stringify({ ...validFeedback, tags: [over(100)] }),
    'tags',
  ),
  field('lat/r model of 201 characters', latencyPath, JSON.stringify({ model: over(200) }), 'model'),
  field(
    'lat/r server_request_id of 201 characters',
    latencyPath,
    JSON.stringify({ server_request_id: over(200) }),
    'server_request_id',
  ),
  field(
    'ces event name of 501 characters',
    batchPath,
    JSON.stringify({ batch: [{ type: 'track', event: over(500) }] }),
    'event',
  ),
  field('ces sentAt of 101 characters', batchPath, JSON.stringify({ batch: [], sentAt: over(100) }), 'sentAt'),
  {
    name: 'conversation_limit ?model= of 201 characters',
    method: 'GET',
    path: `/public-api/conversation_limit?model=${over(200)}`,
    status: [400],
    mentions: 'model',
  },
];

const methodCase = (method: string, path: string, raw = false): BadInputCase => ({
  name: `${method} ${path}`,
  method,
  path,
  status: [404, 405],
  raw,
});

export const methodCases: BadInputCase[] = [
  { ...methodCase('PUT', conversationPath), body: JSON.stringify(validTurn) },
  methodCase('DELETE', conversationPath),
  { ...methodCase('PATCH', conversationPath), body: '{"title":"x"}' },
  methodCase('GET', conversationPath),
  methodCase('GET', `${conversationPath}/gen_title/{conversation}`),
  methodCase('PUT', `${conversationPath}/{conversation}`),
  methodCase('TRACE', '/', true),
  methodCase('TRACE', conversationPath, true),
];
