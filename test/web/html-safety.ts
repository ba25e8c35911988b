/**
 * Checks rendered HTML against the renderer's safety contract, by parsing it in jsdom and walking every
 * element: the list of problems found (empty when safe).
 */
import { JSDOM } from 'jsdom';

/** The element methods the walk uses (jsdom's elements have them; no DOM lib in this tsconfig). */
interface WalkedElement {
  readonly tagName: string;
  readonly attributes: ArrayLike<{ name: string; value: string }>;
  readonly textContent: string | null;
  closest(selector: string): WalkedElement | null;
  getAttribute(name: string): string | null;
}

interface ParsedFragment {
  querySelectorAll(selector: string): ArrayLike<WalkedElement>;
}

const forbiddenElements = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'base',
  'meta',
  'link',
  'form',
  'input',
  'textarea',
  'select',
  'math',
  'template',
  'noscript',
  'video',
  'audio',
  'source',
  'picture',
  'portal',
  'image',
]);
const urlAttributes = new Set([
  'src',
  'href',
  'srcset',
  'action',
  'formaction',
  'background',
  'poster',
  'xlink:href',
  'data',
  'codebase',
  'cite',
  'ping',
  'lowsrc',
  'dynsrc',
]);
const copyButtonAttributes = 'type=button class=copy-code aria-label=Copy code';
const inlineImage = /^data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=]+$/i;
const window = new JSDOM('').window;

function parse(html: string): ParsedFragment {
  const template = window.document.createElement('template');
  template.innerHTML = html;
  return template.content as ParsedFragment;
}

function linkIsAllowed(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers ignore these in a URL, so must we
  const normalized = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(normalized)?.[1];
  return scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'mailto';
}

function attributeProblem(element: WalkedElement, name: string, value: string): string | undefined {
  const tag = element.tagName.toLowerCase();
  const inKatex = element.closest('.katex, .katex-error') !== null;
  if (name.startsWith('on')) return `${tag} has ${name}`;
  if (name === 'style') {
    if (!inKatex) return `${tag} has a style attribute outside KaTeX output`;
    if (/url\s*\(|expression|@import/i.test(value)) return `KaTeX style "${value}" loads or runs something`;
  }
  if (!urlAttributes.has(name)) return undefined;
  if (name === 'href' && tag === 'a' && linkIsAllowed(value)) return undefined;
  if (name === 'src' && tag === 'img' && inlineImage.test(value)) return undefined;
  return `${tag} has ${name}="${value}"`;
}

function elementProblems(element: WalkedElement): string[] {
  const tag = element.tagName.toLowerCase();
  const problems: string[] = [];
  const inKatex = element.closest('.katex') !== null;
  if (forbiddenElements.has(tag)) problems.push(`<${tag}> element`);
  if ((tag === 'svg' || tag === 'path' || tag === 'line') && !inKatex) problems.push(`<${tag}> outside KaTeX`);
  if (tag === 'button') {
    const shape = Array.from(element.attributes, (attribute) => `${attribute.name}=${attribute.value}`).join(' ');
    if (shape !== copyButtonAttributes || element.textContent !== 'Copy') problems.push(`unexpected button ${shape}`);
  }
  if (tag === 'a' && element.getAttribute('href') !== null) {
    if (element.getAttribute('target') !== '_blank') problems.push('link without target=_blank');
    if (element.getAttribute('rel') !== 'noopener noreferrer nofollow') problems.push('link without rel hardening');
  }
  for (const attribute of Array.from(element.attributes)) {
    const problem = attributeProblem(element, attribute.name.toLowerCase(), attribute.value);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** Every way `html` breaks the renderer's safety contract. */
export function safetyProblems(html: string): string[] {
  return Array.from(parse(html).querySelectorAll('*')).flatMap(elementProblems);
}

/** The parsed fragment, for tests that look at structure. */
export function parseFragment(html: string): ParsedFragment {
  return parse(html);
}
