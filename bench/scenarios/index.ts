import type { ScenarioDef } from '../lib/types.js';
import { burst } from './burst/index.js';
import { http } from './http/index.js';
import { memory } from './memory/index.js';
import { onTime } from './on-time/index.js';
import { peers } from './peers/index.js';
import { pgBurst } from './pg-burst/index.js';
import { pgHosts } from './pg-hosts/index.js';
import { polling } from './polling/index.js';
import { schedule } from './schedule/index.js';
import { telemetry } from './telemetry/index.js';
import { throughput } from './throughput/index.js';

/** Every scenario, in the order they run. */
export const scenarios: readonly ScenarioDef[] = [onTime, burst, throughput, schedule, memory, polling, http, peers, pgBurst, pgHosts, telemetry];
