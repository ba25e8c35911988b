/** Removes secrets from text that came from an upstream before it reaches people or logs. */

const keyLikePattern = /\b(sk|pk|rk)-[A-Za-z0-9_*-]{6,}/g;
const bearerPattern = /\bBearer\s+\S+/gi;

/** `text` with `secret` (if given), API-key-shaped strings and bearer tokens replaced by `[redacted]`. */
export function redactSecrets(text: string, secret?: string): string {
  let result = text;
  if (secret && secret.length >= 4) result = result.split(secret).join('[redacted]');
  return result.replace(keyLikePattern, '[redacted]').replace(bearerPattern, 'Bearer [redacted]');
}
