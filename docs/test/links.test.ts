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
