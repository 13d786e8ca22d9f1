import { z } from 'zod';
import type { SqliteStoreDatabase } from './sqlite-store-options.js';

const count = z.number().int({ message: 'must be a non-negative integer' }).min(0, { message: 'must be a non-negative integer' });

/**
 * The options of `SqliteStore`, checked like every input: `INVALID_INPUT` with the path of each
 * bad option. Exactly one of `filename` and `database` is required.
 */
export const sqliteStoreOptionsSchema = z
  .object({
    filename: z.string().min(1, { message: 'must be a non-empty string (a file path or ":memory:")' }).optional(),
    database: z
      .custom<SqliteStoreDatabase>((value) => typeof (value as { prepare?: unknown } | null)?.prepare === 'function', {
        message: 'must be a better-sqlite3 Database (an object with prepare and close)',
      })
      .optional(),
    synchronous: z.enum(['NORMAL', 'FULL']).optional(),
    busyTimeoutMs: count.optional(),
    statementCacheSize: count.optional(),
    groupCommit: z.boolean().optional(),
    checkpoints: z.enum(['background', 'inline']).optional(),
    peer: z.boolean().optional(),
    thread: z.enum(['main', 'worker']).optional(),
  })
  .superRefine((options, ctx) => {
    if ((options.filename === undefined) === (options.database === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [options.filename === undefined ? 'filename' : 'database'],
        message: 'give either filename or database, not both or neither',
      });
    }
    if (options.database !== undefined && options.thread === 'worker') {
      ctx.addIssue({
        code: 'custom',
        path: ['thread'],
        message: "'worker' needs filename: the store thread opens the file itself (a caller's connection cannot move to another thread)",
      });
    }
    if (options.database !== undefined && options.checkpoints === 'background') {
      ctx.addIssue({
        code: 'custom',
        path: ['checkpoints'],
        message: "'background' needs filename: a store on the caller's connection checkpoints inline",
      });
    }
  });
