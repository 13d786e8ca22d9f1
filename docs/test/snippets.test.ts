import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { codeBlocks, filesContaining, isTypeScript, snippetFiles, type CodeBlock } from './support/code-blocks.js';

// Every TypeScript block of the guides and the README is a verbatim copy of (part of) a file in
// docs/snippets, and those files compile: so no block can drift from code that type-checks, and
// the blocks whose snippet is a test (or that a test imports) also run.
const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCS = path.join(ROOT, 'docs');
const SNIPPETS = path.join(DOCS, 'snippets');

const markdownFiles = [
  path.join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(DOCS, name)),
];
const blocks: CodeBlock[] = markdownFiles.flatMap((file) => codeBlocks(readFileSync(file, 'utf8'), path.relative(ROOT, file)));
const tsBlocks = blocks.filter(isTypeScript);
const snippets = snippetFiles(SNIPPETS);

describe('the code blocks of the docs', () => {
  it('finds the guides and their TypeScript blocks', () => {
    expect(markdownFiles.map((f) => path.relative(ROOT, f))).toEqual(expect.arrayContaining(['README.md', 'docs/getting-started.md']));
    expect(tsBlocks.length).toBeGreaterThan(10);
  });

  it.each(tsBlocks.map((block) => [`${block.file}:${block.line}`, block] as const))('%s is copied from a snippet file', (_where, block) => {
    expect(filesContaining(block, snippets), `this block is in no file of docs/snippets; change the snippet and copy it here:\n${block.code}`).not.toEqual([]);
  });

  it('uses every snippet file in some guide', () => {
    const used = new Set(tsBlocks.flatMap((block) => filesContaining(block, snippets)));
    const unused = [...snippets.keys()].filter((file) => !used.has(file)).map((file) => path.relative(ROOT, file));
    expect(unused).toEqual([]);
  });
});

describe('the snippet files', () => {
  it('compile with the project settings (docs/tsconfig.json)', () => {
    const configFile = path.join(DOCS, 'tsconfig.json');
    const config = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
    if (config === undefined) throw new Error(`Cannot read ${configFile}`);
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
    const docsFiles = program.getSourceFiles().filter((file) => path.resolve(file.fileName).startsWith(`${DOCS}${path.sep}`));
    expect(docsFiles.map((f) => path.resolve(f.fileName))).toEqual(expect.arrayContaining([...snippets.keys()]));
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...docsFiles.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
    ];
    const messages = diagnostics.map((d) => {
      const where = d.file === undefined || d.start === undefined ? '' : `${path.relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: `;
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(messages).toEqual([]);
  }, 120_000);
});
