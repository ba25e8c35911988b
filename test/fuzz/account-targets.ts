/**
 * Schema-aware fuzz targets for backchat's own account routes (src/protocol/account-requests.ts):
 * sign-up, password change, personal access tokens, sessions, and the admin routes (users, invites,
 * settings). Admin changes aim at an expendable user, so a valid "disable" cannot end the run's identities.
 */
import fc from 'fast-check';
import { prefix, type Target, text } from './broken-bodies.js';
import type { SchemaContext } from './schema-requests.js';

const role = fc.constantFrom('user', 'admin');
const newPassword = fc.string({ minLength: 10, maxLength: 40 });

function selfServiceTargets(context: SchemaContext): Target[] {
  return [
    {
      name: 'signup',
      method: 'POST',
      path: fc.constant('/api/auth/signup'),
      body: fc.record(
        { email: fc.emailAddress(), password: newPassword, name: text, invite: fc.uuid() },
        { requiredKeys: ['email', 'password'] },
      ),
      identity: 'anonymous',
    },
    {
      name: 'change-password',
      method: 'POST',
      path: prefix.map((api) => `${api}/account/password`),
      body: fc.record({
        current_password: fc.oneof(fc.constant(context.password), text),
        new_password: newPassword,
      }),
      identity: 'user',
    },
    {
      name: 'create-token',
      method: 'POST',
      path: prefix.map((api) => `${api}/account/tokens`),
      body: fc.record({ name: text, expires_in_days: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 3650 })) }),
      identity: 'user',
    },
  ];
}

function adminTargets(context: SchemaContext): Target[] {
  const expendable = (suffix: string) => prefix.map((api) => `${api}/admin/users/${context.expendableUserId}${suffix}`);
  return [
    {
      name: 'admin-create-user',
      method: 'POST',
      path: prefix.map((api) => `${api}/admin/users`),
      body: fc.record(
        { email: fc.emailAddress(), password: newPassword, name: text, role },
        { requiredKeys: ['email', 'password'] },
      ),
      identity: 'admin',
    },
    {
      name: 'admin-update-user',
      method: 'PATCH',
      path: expendable(''),
      body: fc.record(
        {
          name: text,
          role,
          disabled: fc.boolean(),
          model_access: fc.oneof(fc.constant(null), fc.array(fc.constantFrom('demo', 'gpt-4', 'x'), { maxLength: 3 })),
        },
        { requiredKeys: [] },
      ),
      identity: 'admin',
    },
    {
      name: 'admin-reset-password',
      method: 'POST',
      path: expendable('/password'),
      body: fc.record({ password: newPassword }),
      identity: 'admin',
    },
    {
      name: 'admin-create-invite',
      method: 'POST',
      path: prefix.map((api) => `${api}/admin/invites`),
      body: fc.record(
        { email: fc.emailAddress(), role, expires_in_hours: fc.integer({ min: 1, max: 720 }) },
        { requiredKeys: [] },
      ),
      identity: 'admin',
    },
    {
      name: 'admin-settings',
      method: 'PATCH',
      path: prefix.map((api) => `${api}/admin/settings`),
      body: fc.record({ signup_policy: fc.constantFrom('open', 'invite', 'closed') }),
      identity: 'admin',
    },
  ];
}

/** Every account and admin target. */
export function accountTargets(context: SchemaContext): Target[] {
  return [...selfServiceTargets(context), ...adminTargets(context)];
}
