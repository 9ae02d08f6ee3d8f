import { describeType } from './config.js';
import { OPTIONS, envName, flagName } from './options.js';

/** The configuration reference as a Markdown table; the README embeds exactly this (a test checks it). */
export function configReference(): string {
  const header = ['| flag | environment | default | accepts | meaning |', '|---|---|---|---|---|'];
  const rows = OPTIONS.map((o) => {
    const flag = `\`--${flagName(o.path)}\`` + (o.alias && o.alias !== flagName(o.path) ? ` (\`--${o.alias}\`)` : '');
    const fallback = o.default === undefined || o.default === '' || (Array.isArray(o.default) && o.default.length === 0) ? '' : `\`${String(o.default)}\``;
    return `| ${flag} | \`${envName(o.path)}\` | ${fallback} | ${describeType(o.type)} | ${o.doc} |`;
  });
  return [...header, ...rows].join('\n');
}
