import type { ScenarioDef } from '../lib/types.js';
import { burst } from './burst/index.js';
import { onTime } from './on-time/index.js';
import { throughput } from './throughput/index.js';

/** Every scenario, in the order they run. */
export const scenarios: readonly ScenarioDef[] = [onTime, burst, throughput];
