/** The start-up banner: where it runs, which database and models, and what to do next. */
import { relative } from 'node:path';
import type { Config } from '../src/config.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { describeRedisUrl } from '../src/redis/redis-connection.js';

function databaseLine(database: Config['database']): string {
  if (database.kind === 'sqlite') return `SQLite ${relative(process.cwd(), database.file) || database.file}`;
  const url = new URL(database.url);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
}

export function banner(config: Config, url: string, providers: ProviderRegistry): string {
  const lines = [
    '',
    `  backchat is running at ${url.replace('0.0.0.0', '127.0.0.1')}`,
    '',
    `  database  ${databaseLine(config.database)}`,
    ...(config.redis
      ? [`  shared    Redis ${describeRedisUrl(config.redis.url)} (limits, live answers, stop signals)`]
      : []),
    ...providers.describe().map((line, index) => `  ${index === 0 ? 'models   ' : '         '} ${line}`),
    '',
  ];
  if (providers.usingDemo) {
    lines.push(
      '  No model is configured, so the built-in demo model answers (it is not an LLM).',
      '  To use a real model, restart with one of:',
      '    OPENAI_API_KEY=sk-… npm start                                   (OpenAI)',
      '    OPENAI_BASE_URL=http://127.0.0.1:11434/v1 npm start             (Ollama, vLLM, llama.cpp server)',
      '',
    );
  }
  lines.push(
    `  First time here? Open ${url.replace('0.0.0.0', '127.0.0.1')} to create the admin account, or:`,
    '    npx backchat user create --email you@example.com --password "a long password" --admin',
    '  More people: invite them from Administration (account menu) in the web app (or "npx backchat user create").',
    '  API clients: npx backchat token create --email you@example.com (a personal access token)',
    '',
  );
  return `${lines.join('\n')}\n`;
}
