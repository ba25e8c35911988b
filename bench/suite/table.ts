/** Prints the suite's rows as one Markdown table (the form docs/performance.md records). */
import type { BenchRow } from './row.js';

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function formatTable(rows: readonly BenchRow[]): string {
  const lines = [
    '| id | measure | figure | baseline | ratio | target | result |',
    '|---|---|---|---|---|---|---|',
    ...rows
      .map((row) =>
        [
          row.id,
          row.measure + (row.note ? ` (${row.note})` : ''),
          row.figure,
          row.baseline,
          row.ratio === null ? '—' : `${row.ratio.toFixed(2)}×`,
          row.target,
          row.pass ? 'PASS' : 'FAIL',
        ]
          .map(cell)
          .join(' | '),
      )
      .map((line) => `| ${line} |`),
  ];
  const failed = rows.filter((row) => !row.pass).length;
  lines.push('', `${rows.length} rows: ${rows.length - failed} PASS, ${failed} FAIL`);
  return lines.join('\n');
}
