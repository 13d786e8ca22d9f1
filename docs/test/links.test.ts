import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { codeBlocks } from './support/code-blocks.js';

// Every relative link of the guides and the README points at a file or folder that exists.
const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCS = path.join(ROOT, 'docs');
const files = [path.join(ROOT, 'README.md'), ...readdirSync(DOCS).filter((n) => n.endsWith('.md')).map((n) => path.join(DOCS, n))];

it('has no broken relative link', () => {
  const broken: string[] = [];
  for (const file of files) {
    let text = readFileSync(file, 'utf8');
    for (const block of codeBlocks(text, file)) text = text.replace(block.code, ''); // links in code are not links
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!;
      if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
      const resolved = path.resolve(path.dirname(file), target.split('#')[0]!);
      if (!existsSync(resolved)) broken.push(`${path.relative(ROOT, file)}: ${target}`);
    }
  }
  expect(broken).toEqual([]);
  expect(files.length).toBeGreaterThan(10);
});

it('names the Call API contract by its file, docs/call-api.md (there is no CALL-API.md)', () => {
  const sources = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(ts|md|json)$/.test(entry.name) && !entry.parentPath.includes('node_modules') && !entry.parentPath.includes(`${path.sep}dist`))
      .map((entry) => path.join(entry.parentPath, entry.name));
  const checked = [...files, ...['packages', 'examples'].flatMap(sources)];
  const naming = checked.filter((file) => readFileSync(file, 'utf8').includes('CALL-API.md')).map((file) => path.relative(ROOT, file));
  expect(naming).toEqual([]);
  expect(existsSync(path.join(DOCS, 'call-api.md'))).toBe(true);
  expect(checked.length).toBeGreaterThan(100);
});
