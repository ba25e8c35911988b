/**
 * Account routes: the ChatGPT-shaped answers (account check, `me`, user settings; docs/api.md) built from
 * the authenticated user, and backchat's own self-service routes (sessions, password, personal access
 * tokens; docs/api.md).
 */
import type { AccountService } from '../../auth/account-service.js';
import { accountCheckLegacy, accountCheckV4, meView, userSettingsView } from '../../auth/account-views.js';
import { personalTokenView, sessionItemView } from '../../auth/credential-views.js';
import { changePasswordSchema, createTokenSchema } from '../../protocol/account-requests.js';
import type { RouteSpec } from '../route-table.js';
import { parseWith, resourceId } from './request-parsing.js';

export interface AccountRouteDeps {
  config: { telemetryEnabled: boolean };
  accounts: AccountService;
}

export function accountRoutes(deps: AccountRouteDeps): RouteSpec[] {
  const { accounts } = deps;
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
    {
      method: 'GET',
      path: '/account/sessions',
      mount: 'api',
      auth: 'session',
      handler: async (_q, _r, user, identity) => ({
        items: (await accounts.sessions(user.id)).map((session) => sessionItemView(session, identity.sessionId)),
      }),
    },
    {
      method: 'DELETE',
      path: '/account/sessions/:id',
      mount: 'api',
      auth: 'session',
      handler: async (request, _r, user) => {
        await accounts.endSession(user.id, resourceId(request));
        return { success: true };
      },
    },
    {
      method: 'POST',
      path: '/account/sessions/revoke_others',
      mount: 'api',
      auth: 'session',
      handler: async (_q, _r, _user, identity) => ({
        success: true,
        revoked: await accounts.endOtherSessions(identity),
      }),
    },
    {
      method: 'POST',
      path: '/account/password',
      mount: 'api',
      auth: 'session',
      handler: async (request, _r, _user, identity) => {
        const body = parseWith(changePasswordSchema, request.body);
        await accounts.changePassword(identity, body.current_password, body.new_password);
        return { success: true };
      },
    },
    {
      method: 'GET',
      path: '/account/tokens',
      mount: 'api',
      auth: 'session',
      handler: async (_q, _r, user) => ({ items: (await accounts.tokens(user.id)).map(personalTokenView) }),
    },
    {
      method: 'POST',
      path: '/account/tokens',
      mount: 'api',
      auth: 'session',
      handler: async (request, _r, user) => {
        const body = parseWith(createTokenSchema, request.body);
        const created = await accounts.createToken(user.id, body.name, body.expires_in_days);
        return { ...personalTokenView(created.record), token: created.token };
      },
    },
    {
      method: 'DELETE',
      path: '/account/tokens/:id',
      mount: 'api',
      auth: 'session',
      handler: async (request, _r, user) => {
        await accounts.revokeToken(user.id, resourceId(request));
        return { success: true };
      },
    },
  ];
}
