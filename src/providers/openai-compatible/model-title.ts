/** Human titles for upstream model ids ("llama3.1:8b" → "Llama 3.1 8B", "gpt-4o-mini" → "GPT-4o Mini"). */

function humanizeWord(word: string): string {
  if (/^gpt$/i.test(word)) return 'GPT';
  if (/^\d+(\.\d+)?[bkm]$/i.test(word)) return word.toUpperCase();
  const lettersThenVersion = /^([a-z]{3,})(\d[\d.]*)$/i.exec(word);
  if (lettersThenVersion) return `${humanizeWord(lettersThenVersion[1] ?? '')} ${lettersThenVersion[2] ?? ''}`;
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * A readable title for a model id: drops a `:latest` tag and any `org/` prefix, splits on `-_:`,
 * capitalizes words, upper-cases sizes (8b → 8B) and separates versions (qwen2.5 → Qwen 2.5).
 */
export function humanizeModelId(id: string): string {
  const base =
    id
      .replace(/:latest$/, '')
      .split('/')
      .at(-1) ?? id;
  const words = base.split(/[-_:\s]+/).filter((word) => word !== '');
  const title = words.map(humanizeWord).join(' ').replace(/^GPT /, 'GPT-');
  return title || id;
}
