import { isContender, type ContenderName } from '../../peers/driver.js';
import { ingest, timed, timerFloor } from '../../peers/workloads.js';
import type { CaseContext, CaseFn } from '../../lib/types.js';

/** The contender named by the case's `contender` parameter. */
function contenderOf(context: CaseContext): ContenderName {
  const name = context.params.contender;
  if (name === undefined || !isContender(name)) throw new Error(`parameter contender must name a contender, got ${String(name)}`);
  return name;
}

/** One workload run by one contender (parameter `contender`); `timer` is the floor of `spread`. */
export const cases: Record<string, CaseFn> = {
  'ingest-one': (context) => ingest(contenderOf(context), 'ingest-one', context),
  'ingest-batch': (context) => ingest(contenderOf(context), 'ingest-batch', context),
  spread: (context) => timed(contenderOf(context), 'spread', context),
  burst: (context) => timed(contenderOf(context), 'burst', context),
  timer: timerFloor,
};
