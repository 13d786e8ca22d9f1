import { dist, num, resultOf } from '../../lib/results.js';
import { fmt, ms } from '../../lib/stats.js';
import type { Figure, ScenarioDef } from '../../lib/types.js';

/** Requests per second through Express + the router, against a bare Express JSON route. */
export const http: ScenarioDef = {
  name: 'http',
  title: 'HTTP: requests/s and server CPU per request for POST /calls and GET /calls/:id through Express 5 + createCallRouter (SQLite) vs a bare Express JSON route; autocannon, 64 connections, another process, after a warm-up',
  cases: (quick) => [
    ...['bare-post', 'router-post', 'bare-get', 'router-get'].map((name) => ({ name, timeoutMs: quick ? 60_000 : 90_000 })),
    // Where the server's time goes under POST load (the server process runs under the CPU profiler).
    ...(quick ? [] : [{ name: 'router-post', id: 'router-post-profile', profile: true, timeoutMs: 90_000 }]),
  ],
  summarize(results) {
    const rows: Figure[] = [];
    for (const [label, method] of [
      ['POST /calls', 'post'],
      ['GET /calls/:id', 'get'],
    ] as const) {
      const bare = resultOf(results, `bare-${method}`);
      const router = resultOf(results, `router-${method}`);
      const rps = num(router, 'requestsPerSecond');
      const bareRps = num(bare, 'requestsPerSecond');
      const overhead = bareRps / rps;
      rows.push({
        figure: `${label}: requests/s`,
        value: `${fmt(rps)} req/s (${fmt(overhead, 2)}× the bare route's time)`,
        baseline: `${fmt(bareRps)} req/s`,
        target: '≤ 1.5×',
        met: overhead <= 1.5,
      });
      const cpu = num(router, 'serverCpuUsPerRequest');
      const bareCpu = num(bare, 'serverCpuUsPerRequest');
      rows.push({
        figure: `${label}: server CPU per request`,
        value: `${fmt(cpu, 0)} µs (${fmt(cpu / bareCpu, 2)}× the bare route's)`,
        baseline: `${fmt(bareCpu, 0)} µs`,
        target: '',
        met: null,
      });
      const lat = dist(router, 'latencyMs');
      const bareLat = dist(bare, 'latencyMs');
      rows.push({ figure: `${label}: latency p50 / p99`, value: `${ms(lat.p50)} / ${ms(lat.p99)}`, baseline: `${ms(bareLat.p50)} / ${ms(bareLat.p99)}`, target: '', met: null });
    }
    return rows;
  },
};
