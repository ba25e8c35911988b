/**
 * Request bodies of backchat's own account routes (sign-up, sessions, tokens, administration).
 * Unknown keys are refused (`strictObject`): these routes are ours, so a typo should fail loudly, and
 * no field can be mass-assigned (a sign-up cannot say `role: "admin"`).
 */
import { z } from 'zod';
import { storableText } from './requests.js';

const email = storableText(320).pipe(z.string().trim().min(3));
/** Length rules of new passwords are checked by the password policy, with clearer messages. */
const newPassword = z.string().min(1).max(1024);
const role = z.enum(['user', 'admin']);

export const signupSchema = z.strictObject({
  email,
  password: newPassword,
  name: storableText(100).optional().nullable(),
  invite: z.string().min(1).max(200).optional().nullable(),
});

export const changePasswordSchema = z.strictObject({
  current_password: z.string().min(1).max(1024),
  new_password: newPassword,
});

export const createTokenSchema = z.strictObject({
  name: storableText(100).pipe(z.string().trim().min(1, 'must not be empty')),
  expires_in_days: z.number().int().min(1).max(3650).nullable(),
});

export const adminCreateUserSchema = z.strictObject({
  email,
  password: newPassword,
  name: storableText(100).optional().nullable(),
  role: role.optional(),
});

export const adminUpdateUserSchema = z
  .strictObject({
    name: storableText(100).pipe(z.string().trim().min(1)).optional(),
    role: role.optional(),
    disabled: z.boolean().optional(),
    model_access: z
      .array(storableText(200).pipe(z.string().min(1)))
      .max(200)
      .nullable()
      .optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name, role, disabled or model_access is needed');

export const adminResetPasswordSchema = z.strictObject({ password: newPassword });

export const createInviteSchema = z.strictObject({
  email: email.optional().nullable(),
  role: role.optional(),
  expires_in_hours: z.number().int().min(1).max(720).optional(),
});

export const signupPolicySchema = z.enum(['open', 'invite', 'closed']);

export const adminSettingsSchema = z.strictObject({ signup_policy: signupPolicySchema });

/** Path ids of sessions, tokens, users and invites (ours are UUIDs or `user-…`; anything else is simply not found). */
export const resourceIdSchema = z.string().min(1).max(200);
