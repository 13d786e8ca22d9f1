export { FakeClock } from './fake-clock.js';
export type { RunAllOptions } from './fake-clock.js';
