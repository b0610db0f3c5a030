/**
 * `check --print-config`: for each PATH, which indexes its dependencies would be looked up on,
 * in order, and where each comes from. Credentials are never shown, only where they come from.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileKind, parseDocument } from '../core/analyze.js';
import { indexLabel, type ConfigContext, type IndexRef } from '../core/indexConfig/model.js';
import { resolveIndexPlan, type ResolveInput } from '../core/indexConfig/resolve.js';
import { redactText } from '../core/redact.js';
import type { RunOptions } from './options.js';

interface PrintedIndex {
  name: string;
  url: string;
  from: string;
  credentials?: string;
}

interface PrintedPlan {
  file: string;
  tool: string;
  trusted: boolean;
  indexes: PrintedIndex[];
  pinned: Record<string, PrintedIndex[]>;
  noIndex?: string;
  untrusted: string[];
  warnings: string[];
}

export function printConfig(options: RunOptions, ctx: ConfigContext, trusted: boolean, json: boolean): string {
  const plans = options.roots.map((root) => planOf(root, options, ctx, trusted));
  if (json) return `${JSON.stringify(plans, null, 2)}\n`;
  return plans.map(text).join('\n');
}

/** A directory stands for its pyproject.toml, else for a requirements file in it. */
function planOf(root: string, options: RunOptions, ctx: ConfigContext, trusted: boolean): PrintedPlan {
  let file = root;
  if (statSync(root).isDirectory())
    file = existsSync(path.join(root, 'pyproject.toml')) ? path.join(root, 'pyproject.toml') : path.join(root, 'requirements.txt');
  const kind = fileKind(file) ?? 'requirements';
  const text = ctx.readFile(file) ?? '';
  // Lock files, Pipfiles and scripts follow the machine's configuration, as the language server routes them.
  const input: ResolveInput = { file, kind: kind === 'pyproject' ? 'pyproject' : 'requirements', parsed: parseDocument(kind, text, ctx.env), trusted };
  if (options.settings.indexUrlSet) input.override = { url: options.settings.indexUrl, from: '--index-url' };
  const plan = resolveIndexPlan(input, ctx);
  const printed: PrintedPlan = {
    file: path.relative(options.cwd, file).split(path.sep).join('/') || path.basename(file),
    tool: plan.tool,
    trusted,
    indexes: plan.indexes.map(printIndex),
    pinned: Object.fromEntries([...plan.pinned].map(([name, refs]) => [name, refs.map(printIndex)])),
    untrusted: plan.untrusted.map(redactText),
    warnings: plan.warnings.map(redactText),
  };
  if (plan.unusable) printed.noIndex = plan.unusable;
  return printed;
}

function printIndex(ref: IndexRef): PrintedIndex {
  const printed: PrintedIndex = { name: indexLabel(ref), url: redactText(ref.url), from: redactText(ref.from) };
  if (ref.credentials) printed.credentials = `from ${redactText(ref.credentials.from)}`;
  return printed;
}

function text(plan: PrintedPlan): string {
  const line = (i: PrintedIndex, n: number) => `  ${n + 1}. ${i.name}  ${i.url}  (${i.from}${i.credentials ? `; credentials ${i.credentials}` : ''})`;
  const out = [`${plan.file}: installed with ${plan.tool}${plan.trusted ? '' : ' (indexes the files name are not used: see --trust-index-options)'}`];
  if (plan.noIndex) out.push(`  nothing is looked up: ${plan.noIndex}`);
  else out.push(...plan.indexes.map(line));
  for (const [name, refs] of Object.entries(plan.pinned)) out.push(`  ${name} only on: ${refs.map((r) => `${r.name} ${r.url}`).join(', ')}`);
  for (const note of plan.untrusted) out.push(`  not used: ${note}`);
  for (const warning of plan.warnings) out.push(`  warning: ${warning}`);
  return `${out.join('\n')}\n`;
}
