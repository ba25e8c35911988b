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

/** Stands for the growing text while its template is rendered; rendered alone it is `"\u0000…"`. */
const growingSlot = '\u0000backchat-growing-text\u0000';

/**
 * pythonJson for a series of values that differ only in one text that grows by appending — an answer's
 * snapshot events, each carrying the whole text so far. The value is rendered once around a placeholder;
 * each next text costs escaping what was appended and one concatenation, not rendering and escaping the
 * whole message again (that was O(text) per event, so O(text²) per answer). Escaping is per UTF-16 unit,
 * so a delta that ends inside a surrogate pair escapes exactly as the whole text would.
 */
export class GrowingTextJson {
  private readonly prefix: string;
  private readonly suffix: string;
  private body = '';

  /** `render(text)` is the value with `text` in its one growing place; `render` is called once. */
  constructor(render: (text: string) => unknown) {
    const rendered = pythonJson(render(growingSlot));
    const slot = escapeString(growingSlot);
    const at = rendered.indexOf(slot);
    if (at < 0 || rendered.indexOf(slot, at + 1) >= 0) throw new Error('GrowingTextJson: the text must appear once');
    this.prefix = rendered.slice(0, at + 1);
    this.suffix = rendered.slice(at + slot.length - 1);
  }

  /** The JSON with `delta` appended to the text. */
  append(delta: string): string {
    if (delta !== '') this.body += escapeString(delta).slice(1, -1);
    return this.prefix + this.body + this.suffix;
  }
}
