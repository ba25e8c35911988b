/**
 * The password rules the server enforces (docs/api.md: 10–1,024 characters, not the email address,
 * not a common password), checked here first so people see them before they submit. The server
 * still has the last word (its common-password list is not shipped to the browser).
 */

export const minPasswordLength = 10;
export const maxPasswordLength = 1024;

/** The rule shown under every new-password field. */
export const passwordRuleText = `At least ${minPasswordLength} characters, not your email address.`;

/** Why `password` would be refused, or null when it passes the rules known here. */
export function passwordProblem(password: string, email = ''): string | null {
  if (password.length < minPasswordLength) return `Use at least ${minPasswordLength} characters.`;
  if (password.length > maxPasswordLength) return `Use at most ${maxPasswordLength.toLocaleString('en')} characters.`;
  if (email.trim() !== '' && password.trim().toLowerCase() === email.trim().toLowerCase()) {
    return 'Don’t use your email address as your password.';
  }
  return null;
}

/** Why a new password and its confirmation cannot be used, or null. */
export function newPasswordProblem(password: string, confirmation: string, email = ''): string | null {
  return passwordProblem(password, email) ?? (password === confirmation ? null : 'The passwords don’t match.');
}
