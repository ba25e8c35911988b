/**
 * Telemetry routes (docs/api.md, "Telemetry"): the Segment batch endpoint, limited per client network,
 * and the latency report. A batch is answered once validated and queued: its events are written
 * within the telemetry buffer's flush interval, and a full buffer answers 503 with Retry-After.
 */
import type { Limits } from '../../limits/limits-service.js';
import { latencyReportSchema } from '../../protocol/requests.js';
import { maxBatchBytes } from '../../telemetry/analytics-validation.js';
import type { TelemetryService } from '../../telemetry/telemetry-service.js';
import { bodyTextOf } from '../json-body.js';
import type { RouteSpec } from '../route-table.js';
import { parseWith } from './request-parsing.js';

export function telemetryRoutes(deps: { telemetry: TelemetryService; limits: Limits }): RouteSpec[] {
  return [
    {
      method: 'POST',
      path: '/ces/v1/b',
      mount: 'absolute',
      auth: 'user',
      bodyLimit: maxBatchBytes,
      bodyLane: deps.telemetry.lane,
      handler: async (request, _reply, user) => {
        await deps.limits.telemetryBatch(request.ip);
        await deps.telemetry.ingestBatch(user.id, request.body, bodyTextOf(request));
        return { success: true };
      },
    },
    {
      method: 'POST',
      path: '/lat/r',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        await deps.telemetry.recordLatency(user.id, parseWith(latencyReportSchema, request.body));
        return { status: 'success' };
      },
    },
  ];
}
