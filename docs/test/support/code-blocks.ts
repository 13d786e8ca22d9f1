import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word, e.g. `ts`. */
  readonly lang: string;
  /** The code, without the fences. */
  readonly code: string;
}

/** Every fenced code block (``` or ~~~) of `markdown`, in order. */
export function codeBlocks(markdown: string, file = '<markdown>'): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!);
    if (j === lines.length) throw new Error(`${file}:${i + 1}: code block is never closed`);
    blocks.push({ file, line: i + 1, lang: open[3]!.toLowerCase(), code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** TypeScript blocks: the ones that must come from a snippet file. */
export function isTypeScript(block: CodeBlock): boolean {
  return ['ts', 'typescript', 'mts', 'tsx'].includes(block.lang);
}

/** Every `.ts` file under `dir`, recursively, with its text. */
export function snippetFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(file, readFileSync(file, 'utf8'));
  }
  return files;
}

const normalize = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();

/**
 * The snippet files that contain `block` verbatim (as whole lines, trailing spaces ignored).
 * Empty when the block was edited in the Markdown only, or its snippet was changed.
 */
export function filesContaining(block: CodeBlock, files: ReadonlyMap<string, string>): string[] {
  const code = normalize(block.code);
  if (code === '') return [];
  const found: string[] = [];
  for (const [file, text] of files) {
    const haystack = `\n${normalize(text)}\n`;
    if (haystack.includes(`\n${code}\n`)) found.push(file);
  }
  return found;
}
