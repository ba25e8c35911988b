/**
 * The web UI's files (src/server/web-ui.ts): served from the web root on demand — a file the build adds
 * while the server runs included — with the client routes falling back to index.html, and nothing
 * outside the root reachable, however the path is spelled. Misses are the API's JSON 404.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { firstWindowPath } from '../../src/protocol/first-window.js';
import { immutableCacheControl } from '../../src/server/web-ui.js';
import { rawHttp } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const secret = 'not-for-the-web-8c1f';

describe('web UI files', () => {
  let server: TestServer;
  let folder = '';
  let root = '';

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'backchat-web-ui-files-'));
    // The secret sits beside the web root, where a traversal would land.
    writeFileSync(join(folder, 'secret.txt'), secret);
    root = join(folder, 'web');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log("app");');
    writeFileSync(join(root, 'assets', 'index-B7Mp1jVh.js'), 'console.log("built");');
    writeFileSync(join(root, '.env'), secret);
    server = await startTestServer('sqlite', { config: { webRoot: root } });
  });
  after(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('index.html at / and for the client routes, files by their path', async () => {
    for (const path of ['/', '/index.html', '/c/5f1d5c1e-0000-4000-8000-000000000000']) {
      const response = await server.request(path);
      assert.equal(response.status, 200, path);
      assert.match(await response.text(), /<title>app<\/title>/, path);
    }
    const script = await server.request('/assets/app.js');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.equal(await script.text(), 'console.log("app");');
  });

  test('files named by their content are kept by browsers for a year; the page and other files are revalidated', async () => {
    const built = await server.request('/assets/index-B7Mp1jVh.js');
    assert.equal(built.status, 200);
    assert.equal(built.headers.get('cache-control'), immutableCacheControl);
    for (const path of ['/', '/index.html', '/c/5f1d5c1e-0000-4000-8000-000000000000', '/assets/app.js']) {
      const response = await server.request(path);
      assert.equal(response.status, 200, path);
      assert.doesNotMatch(response.headers.get('cache-control') ?? '', /immutable|max-age=[1-9]/, path);
    }
  });

  test("/c/{id} hints the conversation's first window and the markdown chunk; other pages and odd ids do not", async () => {
    const id = '5f1d5c1e-0000-4000-8000-000000000000';
    const links = async (path: string) => (await server.request(path)).headers.get('link');
    // The fake build has no markdown chunk yet: the window alone.
    assert.equal(await links(`/c/${id}`), `<${firstWindowPath(id)}>; rel=preload; as=fetch; crossorigin=anonymous`);
    assert.equal(firstWindowPath(id), `/backend-api/conversation/${id}?tail=100`);
    // A build that adds it (or renames it) is named without a restart.
    writeFileSync(join(root, 'assets', 'render-markdown-Ab12Cd34.js'), 'export {};');
    assert.equal(
      await links(`/c/${id}`),
      `<${firstWindowPath(id)}>; rel=preload; as=fetch; crossorigin=anonymous, </assets/render-markdown-Ab12Cd34.js>; rel=modulepreload`,
    );
    rmSync(join(root, 'assets', 'render-markdown-Ab12Cd34.js'));
    writeFileSync(join(root, 'assets', 'render-markdown-Zz98Yy76.js'), 'export {};');
    assert.match((await links(`/c/${id}`)) ?? '', /<\/assets\/render-markdown-Zz98Yy76\.js>; rel=modulepreload$/);
    // An id the server never makes gets no window hint (nothing of it is echoed into a header).
    assert.equal(await links('/c/a%3Eb%2C%20%3Cx'), '</assets/render-markdown-Zz98Yy76.js>; rel=modulepreload');
    assert.equal(await links('/'), null);
    assert.equal(await links('/index.html'), null);
    rmSync(join(root, 'assets', 'render-markdown-Zz98Yy76.js'));
  });

  test('a file written after the start is served (a rebuild needs no restart)', async () => {
    writeFileSync(join(root, 'assets', 'later.css'), 'body { margin: 0 }');
    const response = await server.request('/assets/later.css');
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'body { margin: 0 }');
  });

  test('misses are JSON 404s, and nothing outside the web root or hidden is served', async () => {
    const paths = [
      '/assets/missing.js',
      '/no-such-page',
      '/.env',
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/%00app.js',
    ];
    for (const path of paths) {
      const response = await rawHttp(server.url, { method: 'GET', path });
      assert.ok(response.status >= 400 && response.status < 500, `${path}: ${response.status}`);
      assert.doesNotMatch(response.body, new RegExp(secret), path);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/, path);
      assert.ok('detail' in JSON.parse(response.body), path);
    }
  });
});
