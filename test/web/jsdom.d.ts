// jsdom ships no types and @types/jsdom is not installed: only what these tests use.
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string);
    readonly window: JsdomWindow;
  }
  /** The window, opaque here: handed to createRenderer, and used through `document` to parse output. */
  export interface JsdomWindow {
    readonly document: { createElement(tag: 'template'): { innerHTML: string; content: unknown } };
  }
}
