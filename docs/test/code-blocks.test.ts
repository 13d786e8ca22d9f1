import { describe, expect, it } from 'vitest';
import { codeBlocks, filesContaining, isTypeScript } from './support/code-blocks.js';

// The checker of docs/test/snippets.test.ts must be able to fail.
const files = new Map([['a.ts', "import { x } from 'y';\n\nexport const a = x(1);  \nexport const b = 2;\n"]]);

describe('codeBlocks and filesContaining', () => {
  it('extracts fenced blocks with their language and line', () => {
    const md = 'text\n```ts\nconst a = 1;\n```\n\n~~~sh\nnpm test\n~~~\n````typescript\nconst b = 2;\n````\n';
    const blocks = codeBlocks(md, 'x.md');
    expect(blocks.map((b) => [b.lang, b.line, b.code])).toEqual([
      ['ts', 2, 'const a = 1;'],
      ['sh', 6, 'npm test'],
      ['typescript', 9, 'const b = 2;'],
    ]);
    expect(blocks.filter(isTypeScript)).toHaveLength(2);
  });

  it('refuses a block that is never closed', () => {
    expect(() => codeBlocks('```ts\nconst a = 1;\n', 'x.md')).toThrow('x.md:1: code block is never closed');
  });

  it('accepts whole lines copied from a file, trailing spaces aside', () => {
    const block = codeBlocks('```ts\nexport const a = x(1);\nexport const b = 2;\n```').at(0)!;
    expect(filesContaining(block, files)).toEqual(['a.ts']);
  });

  it('rejects an edited block, a partial line and an empty block', () => {
    for (const code of ['export const a = x(2);', 'const b = 2;', '']) {
      const block = codeBlocks(`\`\`\`ts\n${code}\n\`\`\``).at(0)!;
      expect(filesContaining(block, files), code).toEqual([]);
    }
  });
});
