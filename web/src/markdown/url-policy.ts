/**
 * Which URLs the rendered markdown may point at: links only to http(s), mailto and relative/anchor targets;
 * images only as inline `data:` rasters (nothing is ever fetched from a host).
 */

/** Schemes a link may use; anything else (javascript:, vbscript:, data:, file:, …) loses its href. */
const linkSchemes = new Set(['http', 'https', 'mailto']);

/** An inline raster image: no network request, and no SVG (which can carry script when opened directly). */
const dataImagePattern = /^data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=]+$/i;

// Browsers drop ASCII tab/newline anywhere in a URL and C0 controls/space at its ends; we drop all controls and
// whitespace (plus invisible format characters) so `jav&#x09;ascript:` and `\u0000javascript:` are seen as what they are.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ignoredCharacters = /[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff\s]/g;

const namedCharacters: Record<string, string> = { colon: ':', tab: '\t', newline: '\n', sol: '/', num: '#' };

// Character references as a browser would decode them in an attribute (also without the `;`), so a scheme
// spelled `&#x6A;avascript:` or `javascript&colon;` is recognised even where marked left it encoded.
function decodeCharacterReferences(text: string): string {
  return text.replace(
    /&(?:#x([0-9a-f]+)|#(\d+)|([a-z]+));?/gi,
    (reference: string, hex?: string, decimal?: string, name?: string) => {
      if (hex || decimal) {
        const code = Number.parseInt(hex ?? decimal ?? '', hex ? 16 : 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
      }
      return namedCharacters[(name ?? '').toLowerCase()] ?? reference;
    },
  );
}

function schemeOf(url: string): string | undefined {
  const normalized = url.replace(ignoredCharacters, '');
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(normalized);
  if (match?.[1]) return match[1].toLowerCase();
  // A colon before any path, query or fragment character that is not a valid scheme: refuse rather than guess.
  const colon = normalized.indexOf(':');
  const boundary = normalized.search(/[/?#]/);
  if (colon >= 0 && (boundary < 0 || colon < boundary)) return 'invalid';
  return undefined;
}

/**
 * The scheme a browser would see (lower case), or undefined for a relative URL. When the text and its
 * entity-decoded form disagree, the decoded form's scheme wins if the text has none (the stricter reading).
 */
export function urlScheme(url: string): string | undefined {
  return schemeOf(url) ?? schemeOf(decodeCharacterReferences(url));
}

/** The href to render for a link, percent-encoded for an attribute, or undefined when it must be dropped. */
export function safeLinkHref(href: string): string | undefined {
  const scheme = urlScheme(href);
  if (scheme !== undefined && !linkSchemes.has(scheme)) return undefined;
  try {
    return encodeURI(href.trim()).replace(/%25/g, '%');
  } catch {
    return undefined;
  }
}

/** The source to keep for an image (an inline base64 PNG, JPEG, GIF or WebP, whitespace removed), or undefined. */
export function inlineImageSource(src: string): string | undefined {
  const normalized = src.replace(ignoredCharacters, '');
  return dataImagePattern.test(normalized) ? normalized : undefined;
}

/** The host a blocked image would have been fetched from, for the placeholder text ("" when relative or odd). */
export function imageHost(src: string): string {
  try {
    const url = new URL(src.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : '';
  } catch {
    return '';
  }
}
