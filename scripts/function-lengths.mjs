#!/usr/bin/env node
/**
 * Lists the functions (declarations, methods, arrow functions) longer than a limit, longest first:
 *   node scripts/function-lengths.mjs [--limit 150] [files or directories...]   (default: server/src client/src)
 * Exits with 1 when there is one, so that it can guard a build.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const at = args.indexOf('--limit');
const limit = at >= 0 ? Number(args.splice(at, 2)[1]) : 150;
const roots = args.length > 0 ? args : ['server/src', 'client/src'];

function* sources(entry) {
  if (statSync(entry).isDirectory()) for (const name of readdirSync(entry)) yield* sources(path.join(entry, name));
  else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) yield entry;
}

const long = [];
for (const file of roots.flatMap((r) => [...sources(r)])) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const lines = source.getLineAndCharacterOfPosition(node.end).line - first + 1;
      if (lines > limit) long.push({ where: `${file}:${first + 1}`, lines, name: node.name?.getText(source) ?? '(anonymous)' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
long.sort((a, b) => b.lines - a.lines);
for (const f of long) console.log(`${f.where}  ${f.lines} lines  ${f.name}`);
process.exitCode = long.length > 0 ? 1 : 0;
