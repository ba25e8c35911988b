/**
 * The account-shaped answers ChatGPT clients read (the session, account check, `me` and user settings
 * routes of docs/api.md), built from the real user. backchat has no billing: every account is a
 * personal "free" plan with all features.
 */
import { createHash } from 'node:crypto';
import type { UserRecord } from '../store/store.js';

/** Feature flags the web UI can use; admins also get `backchat_admin`. */
export function accountFeatures(user: UserRecord): string[] {
  const features = ['starter_prompts', 'model_switcher', 'temporary_chat', 'message_feedback', 'conversation_archive'];
  return user.role === 'admin' ? [...features, 'backchat_admin'] : features;
}

/** A stable UUID-shaped account id derived from the user id. */
export function accountId(user: UserRecord): string {
  const hex = createHash('sha256').update(`account:${user.id}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An initials avatar as a data: URL, so showing it needs no request anywhere. */
function avatarUrl(user: UserRecord): string {
  const hue = Number.parseInt(createHash('sha256').update(user.email).digest('hex').slice(0, 4), 16) % 360;
  const initial = (user.name.trim()[0] ?? user.email[0] ?? '?').toUpperCase().replace(/[^A-Z0-9]/, '?');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="hsl(${hue},45%,45%)"/><text x="32" y="42" font-family="sans-serif" font-size="30" fill="#fff" text-anchor="middle">${initial}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

export function sessionView(user: UserRecord, accessToken: string, expiresAt: number): Record<string, unknown> {
  return {
    user: {
      id: user.id,
      name: user.name,
      email: user.email,
      image: avatarUrl(user),
      picture: avatarUrl(user),
      idp: 'backchat',
      iat: Math.floor(user.createTime),
      mfa: false,
      groups: user.role === 'admin' ? ['admin'] : [],
      intercom_hash: '',
    },
    expires: new Date(expiresAt * 1000).toISOString(),
    accessToken,
    authProvider: 'backchat',
  };
}

export function accountCheckV4(user: UserRecord): Record<string, unknown> {
  const id = accountId(user);
  const account = {
    account: {
      account_user_role: 'account-owner',
      account_user_id: `${user.id}__${id}`,
      processor: {
        a001: { has_customer_object: false },
        b001: { has_transaction_history: false },
        c001: { has_transaction_history: false },
      },
      account_id: id,
      organization_id: null,
      is_most_recent_expired_subscription_gratis: false,
      has_previously_paid_subscription: false,
      name: user.name,
      profile_picture_id: null,
      profile_picture_url: null,
      structure: 'personal',
      plan_type: 'free',
      is_deactivated: user.disabled,
      promo_data: {},
    },
    features: accountFeatures(user),
    entitlement: {
      subscription_id: null,
      has_active_subscription: false,
      subscription_plan: 'chatgptfreeplan',
      expires_at: null,
    },
    last_active_subscription: {
      subscription_id: null,
      purchase_origin_platform: 'chatgpt_not_purchased',
      will_renew: false,
    },
  };
  return { accounts: { default: account, [id]: account }, account_ordering: [id] };
}

export function accountCheckLegacy(user: UserRecord): Record<string, unknown> {
  return {
    account_plan: {
      is_paid_subscription_active: false,
      subscription_plan: 'chatgptfreeplan',
      account_user_role: 'account-owner',
      was_paid_customer: false,
      has_customer_object: false,
      subscription_expires_at_timestamp: null,
    },
    user_country: 'US',
    features: accountFeatures(user),
  };
}

export function meView(user: UserRecord): Record<string, unknown> {
  const created = Math.floor(user.createTime);
  return {
    object: 'user',
    id: user.id,
    email: user.email,
    name: user.name,
    picture: null,
    created,
    phone_number: null,
    mfa_flag_enabled: false,
    amr: [],
    groups: user.role === 'admin' ? ['admin'] : [],
    orgs: {
      object: 'list',
      data: [
        {
          object: 'organization',
          id: `org-${accountId(user).replaceAll('-', '').slice(0, 24)}`,
          created,
          title: 'Personal',
          name: user.id,
          description: `Personal org for ${user.email}`,
          personal: true,
          settings: { threads_ui_visibility: 'NONE', usage_dashboard_visibility: 'ANY_ROLE' },
          is_default: true,
          role: 'owner',
          groups: [],
        },
      ],
    },
  };
}

export function userSettingsView(telemetryEnabled: boolean): Record<string, unknown> {
  return {
    beta_settings: {},
    announcements: {},
    eligible_announcements: [],
    settings: { training_allowed: false, show_expanded_code_view: true, analytics_enabled: telemetryEnabled },
  };
}
