/** Administration routes (docs/api.md): users, invites and the sign-up policy — administrators only. */
import type { AdminService } from '../../auth/admin-service.js';
import type { AuthService } from '../../auth/auth-service.js';
import { adminUserView, inviteView } from '../../auth/credential-views.js';
import {
  adminCreateUserSchema,
  adminResetPasswordSchema,
  adminSettingsSchema,
  adminUpdateUserSchema,
  createInviteSchema,
} from '../../protocol/account-requests.js';
import type { RouteSpec } from '../route-table.js';
import { parseWith, resourceId } from './request-parsing.js';

export interface AdminRouteDeps {
  admin: AdminService;
  auth: AuthService;
}

export function adminRoutes(deps: AdminRouteDeps): RouteSpec[] {
  const { admin, auth } = deps;
  return [
    {
      method: 'GET',
      path: '/admin/users',
      mount: 'api',
      auth: 'admin',
      handler: async () => ({ items: (await admin.users()).map(adminUserView) }),
    },
    {
      method: 'POST',
      path: '/admin/users',
      mount: 'api',
      auth: 'admin',
      handler: async (request) => {
        const body = parseWith(adminCreateUserSchema, request.body);
        const user = await admin.createUser({ ...body, name: body.name ?? undefined });
        return adminUserView(user);
      },
    },
    {
      method: 'PATCH',
      path: '/admin/users/:id',
      mount: 'api',
      auth: 'admin',
      handler: async (request) => {
        const body = parseWith(adminUpdateUserSchema, request.body);
        const user = await admin.updateUser(resourceId(request), {
          name: body.name,
          role: body.role,
          disabled: body.disabled,
          modelAccess: body.model_access,
        });
        return adminUserView(user);
      },
    },
    {
      method: 'POST',
      path: '/admin/users/:id/password',
      mount: 'api',
      auth: 'admin',
      handler: async (request) => {
        const body = parseWith(adminResetPasswordSchema, request.body);
        await admin.resetPassword(resourceId(request), body.password);
        return { success: true };
      },
    },
    {
      method: 'GET',
      path: '/admin/invites',
      mount: 'api',
      auth: 'admin',
      handler: async () => ({ items: (await admin.invites()).map(inviteView) }),
    },
    {
      method: 'POST',
      path: '/admin/invites',
      mount: 'api',
      auth: 'admin',
      handler: async (request, _r, user) => {
        const body = parseWith(createInviteSchema, request.body);
        const created = await admin.createInvite(user.id, {
          email: body.email,
          role: body.role,
          expiresInHours: body.expires_in_hours,
        });
        return { ...inviteView(created.invite), token: created.token, url: `/invite/${created.token}` };
      },
    },
    {
      method: 'DELETE',
      path: '/admin/invites/:id',
      mount: 'api',
      auth: 'admin',
      handler: async (request) => {
        await admin.revokeInvite(resourceId(request));
        return { success: true };
      },
    },
    {
      method: 'GET',
      path: '/admin/settings',
      mount: 'api',
      auth: 'admin',
      handler: async () => ({ signup_policy: await auth.signupPolicy() }),
    },
    {
      method: 'PATCH',
      path: '/admin/settings',
      mount: 'api',
      auth: 'admin',
      handler: async (request) => {
        const body = parseWith(adminSettingsSchema, request.body);
        await auth.setSignupPolicy(body.signup_policy);
        return { signup_policy: body.signup_policy };
      },
    },
  ];
}
