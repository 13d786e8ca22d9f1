import type { z } from 'zod';
import { invalidInputProblem, type FieldProblem, type HttpProblem } from '../http/problem.js';

/** zod issues as {@link FieldProblem}s, one per unknown key too, each path behind `prefix`. */
export function toFieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  const join = (path: readonly PropertyKey[]): string =>
    [prefix, ...path.map(String)].filter((part) => part !== '').join('.');
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: join([...issue.path, key]), message: 'is not a known field', rule: 'unrecognized_keys' });
      }
    } else {
      problems.push({ path: join(issue.path), message: issue.message, rule: issue.code });
    }
  }
  return problems;
}

/** Parses `value` with `schema` or throws a 400 `INVALID_INPUT` problem naming every field. */
export function parseOrProblem<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw problemFor(result.error, what, prefix);
  return result.data;
}

function problemFor(error: z.ZodError, what: string, prefix: string): HttpProblem {
  return invalidInputProblem(toFieldProblems(error, prefix), what);
}
