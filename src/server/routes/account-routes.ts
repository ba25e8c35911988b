/** Account routes (PROTOCOL.md §12, §18, §19), answered from the authenticated user. */
import { accountCheckLegacy, accountCheckV4, meView, userSettingsView } from '../../auth/account-views.js';
import type { RouteSpec } from '../route-table.js';

export function accountRoutes(deps: { config: { telemetryEnabled: boolean } }): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: '/accounts/check/v4-2023-04-27',
      mount: 'api',
      auth: 'user',
      handler: async (_q, _r, user) => accountCheckV4(user),
    },
    {
      method: 'GET',
      path: '/accounts/check',
      mount: 'api',
      auth: 'user',
      handler: async (_q, _r, user) => accountCheckLegacy(user),
    },
    { method: 'GET', path: '/me', mount: 'api', auth: 'user', handler: async (_q, _r, user) => meView(user) },
    {
      method: 'GET',
      path: '/settings/user',
      mount: 'api',
      auth: 'user',
      handler: async () => userSettingsView(deps.config.telemetryEnabled),
    },
  ];
}
