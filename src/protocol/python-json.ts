/**
 * JSON text the way Python's `json.dumps` writes it by default, which is what ChatGPT's SSE stream
 * carries: `", "` and `": "` separators, every non-ASCII character as `\uXXXX` (so a multibyte
 * character can never be split across network chunks), and floats keep a `.0` when whole.
 */

/** Keys whose numbers are floats on the wire (`weight: 1.0`, `create_time: 1701830474.0`). */
const floatKeys = new Set(['weight', 'create_time', 'update_time']);

/** The JSON string literal of `value`, with every character from U+007F up as `\uXXXX`. */
function escapeString(value: string): string {
  // JSON.stringify handles quotes, backslashes, control characters and lone surrogates.
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function formatNumber(value: number, asFloat: boolean): string {
  if (!Number.isFinite(value)) return 'null';
  const text = JSON.stringify(value);
  return asFloat && Number.isInteger(value) ? `${text}.0` : text;
}

function write(value: unknown, asFloat: boolean, quote: (value: string) => string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return formatNumber(value, asFloat);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => write(item, false, quote)).join(', ')}]`;
      const fields: string[] = [];
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        fields.push(`${escapeString(key)}: ${write(item, floatKeys.has(key), quote)}`);
      }
      return `{${fields.join(', ')}}`;
    }
    default:
      return 'null';
  }
}

export function pythonJson(value: unknown): string {
  return write(value, false, escapeString);
}

/** Strings shorter than this are escaped afresh: keeping them would save nothing. */
const growingMinLength = 256;

/**
 * pythonJson for a series of values whose long string grows by appending — an answer's text, sent whole
 * in every event of its stream. The escaped form of the last long string is kept, and when the next
 * one begins with it only the appended part is escaped: each event costs what was appended (and one
 * comparison), not the whole text again. Escaping is per UTF-16 unit, so a cut inside a surrogate
 * pair escapes the same way.
 */
export function growingPythonJson(): (value: unknown) => string {
  let raw = '';
  let body = '';
  const quote = (value: string): string => {
    if (value.length < growingMinLength) return escapeString(value);
    if (raw === '' || !value.startsWith(raw)) {
      raw = '';
      body = '';
    }
    body += escapeString(value.slice(raw.length)).slice(1, -1);
    raw = value;
    return `"${body}"`;
  };
  return (value) => write(value, false, quote);
}
