/** Scanning JSON text by hand, for the few places that look at a body's text before or beside `JSON.parse`. */

/** Index just past the closing quote of the JSON string starting at `start` (its opening quote). */
export function jsonStringEnd(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const char = text.charCodeAt(index);
    if (char === 0x5c)
      index += 2; // a backslash escapes the next character
    else if (char === 0x22) return index + 1;
    else index += 1;
  }
  return index;
}
