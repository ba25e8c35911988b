import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyMetrics, percentile } from '../../src/telemetry/latency-stats.js';

test('percentile interpolates linearly like numpy', () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([0, 10], 95), 9.5);
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([7], 99), 7);
});

test('latencyMetrics computes first-token and inter-token statistics', () => {
  const metrics = latencyMetrics({ startMs: 100, chunkMs: [300, 310, 330, 340], endMs: 400, tokenCount: 12 });
  assert.equal(metrics.firstTokenMs, 200);
  assert.equal(metrics.minTokenTimeMs, 10);
  assert.equal(metrics.maxTokenTimeMs, 20);
  assert.ok(Math.abs((metrics.meanTokenWithoutFirstMs ?? 0) - 40 / 3) < 1e-9);
  assert.equal(metrics.medianTokenWithoutFirstMs, 10);
  assert.equal(metrics.totalRequestMs, 300);
  assert.equal(metrics.countTokens, 12);
  assert.ok((metrics.stdDevTokenMs ?? 0) > 4.7 && (metrics.stdDevTokenMs ?? 0) < 4.72);
});

test('latencyMetrics with no chunks has nulls, not NaN', () => {
  const metrics = latencyMetrics({ startMs: 0, chunkMs: [], endMs: 50, tokenCount: 0 });
  assert.equal(metrics.firstTokenMs, null);
  assert.equal(metrics.meanTokenWithoutFirstMs, null);
  assert.equal(metrics.totalRequestMs, 50);
});
