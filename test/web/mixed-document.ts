/** A markdown answer of about `size` characters mixing what models write: headings, lists, code, tables, math. */
export function mixedDocument(size: number, seed = 0): string {
  const section = (index: number) =>
    `## Section ${index + seed}\n\nSome **bold** text with \`inline code\`, a [link](https://example.com/${index}) ` +
    `and math \\(x_${index}^2 + y\\) costing $5 or $10.\n\n- item one\n- item two with *emphasis*\n  1. nested\n\n` +
    `\`\`\`ts\nexport function f${index}(a: number): number {\n  return a * ${index}; // comment\n}\n\`\`\`\n\n` +
    `| a | b |\n|---|---|\n| ${index} | $$\\frac{1}{${index + 1}}$$ |\n\n> quote ${index}\n\n$$\n\\sum_{k=0}^{${index}} k\n$$\n\n`;
  let text = '';
  for (let index = 0; text.length < size; index += 1) text += section(index);
  return text;
}
