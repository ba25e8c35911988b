/** The shipped prompt library is well-formed: enough prompts, fixed unique 8-hex ids, known categories. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promptCategories, promptLibrary } from '../../src/store/prompt-library.js';

test('prompt library: at least 64 prompts with unique 8-hex ids', () => {
  assert.ok(promptLibrary.length >= 64, `${promptLibrary.length}`);
  const ids = promptLibrary.map((prompt) => prompt.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}$/);
});

test('prompt library: every category is used and every prompt reads as a starter', () => {
  assert.deepEqual(new Set(promptLibrary.map((prompt) => prompt.category)), new Set(promptCategories));
  for (const { title, description, prompt } of promptLibrary) {
    assert.ok(title.length > 0 && title.length <= 32, `title too long: ${title}`);
    assert.match(title, /^[A-Z]/, title);
    assert.ok(description.length > 0 && description.length <= 60, `description: ${description}`);
    assert.match(description, /^[a-z]/, description);
    assert.ok(prompt.length >= 40, `prompt too short: ${prompt}`);
    assert.ok(!/\s$|^\s/.test(prompt), `untrimmed: ${prompt}`);
  }
  const titlesAndDescriptions = promptLibrary.map((prompt) => `${prompt.title} ${prompt.description}`);
  assert.equal(new Set(titlesAndDescriptions).size, promptLibrary.length);
});
