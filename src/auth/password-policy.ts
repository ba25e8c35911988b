/**
 * What a new password must be (OWASP ASVS V6): long enough, not absurdly long, not the email address,
 * and not one of the passwords every attacker tries first. No composition rules: length beats them.
 */
import { InvalidRequestError } from '../domain-errors.js';

export const minPasswordLength = 10;
/** argon2 would hash anything; the cap keeps a request from making it hash megabytes. */
export const maxPasswordLength = 1024;

/** Common passwords of at least the minimum length (from public breach top lists), lowercased. */
const commonPasswords = new Set([
  '1234567890',
  '12345678910',
  '123456789a',
  '0123456789',
  '0987654321',
  '1111111111',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'password1!',
  'password12',
  'password123',
  'password1234',
  'passw0rd123',
  'qwertyuiop',
  'qwerty1234',
  'qwerty12345',
  'qwerty123456',
  'iloveyou12',
  'iloveyou123',
  'abcdefghij',
  'abc1234567',
  'a123456789',
  'letmein123',
  'welcome123',
  'welcome1234',
  'admin12345',
  'administrator',
  'changeme123',
  'football123',
  'baseball123',
  'sunshine123',
  'princess123',
  'monkey12345',
  'dragon12345',
  'trustno1234',
  'starwars123',
  'asdfghjkl1',
  'asdfghjkl;',
  'zxcvbnm123',
  'superman123',
  'michael123',
  'computer123',
  'backchat123',
  'backchat1234',
  'chatgpt123',
]);

/** Throws InvalidRequestError with a sentence the person can act on. */
export function checkNewPassword(password: string, email: string): void {
  if (password.length < minPasswordLength) {
    throw new InvalidRequestError(`The password must have at least ${minPasswordLength} characters`);
  }
  if (password.length > maxPasswordLength) {
    throw new InvalidRequestError(`The password must have at most ${maxPasswordLength} characters`);
  }
  const lowered = password.toLowerCase();
  const local = email.toLowerCase().split('@')[0] ?? '';
  if (lowered === email.toLowerCase() || (local.length >= 4 && lowered === local)) {
    throw new InvalidRequestError('The password must not be your email address');
  }
  if (commonPasswords.has(lowered) || /^(.)\1+$/.test(password)) {
    throw new InvalidRequestError('This password is too common; choose a longer phrase only you would use');
  }
}
