/**
 * Load generator for bench/sandbox.ts, run in its own process so that the client's work does not
 * share the sandbox's event loop. Sends PATCH /v2/users/{id} with a small JSON body over an undici
 * Pool until `count` calls are done or `seconds` have passed, then reports through IPC (or stdout).
 *
 *   tsx bench/sandbox-load.ts <apiUrl> <token> <users> [count=100000] [seconds=10] [connections=64]
 */
import { fileURLToPath } from "node:url";
import { Pool } from "undici";

export interface LoadResult {
  requests: number;
  elapsedMs: number;
  statuses: Record<string, number>;
  errors: number;
}

export async function runLoad(
  apiUrl: string,
  token: string,
  users: number,
  count: number,
  seconds: number,
  connections: number,
): Promise<LoadResult> {
  const url = new URL(apiUrl);
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const body = JSON.stringify({ dept: "Bench", job_title: "Load tester" });
  const statuses: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  // pool.dispatch with a bare handler rather than pool.request: no response stream per call, so
  // the generator spends less of the machine's CPU than the sandbox it measures.
  const send = (path: string): Promise<number> =>
    new Promise((resolve, reject) => {
      let status = 0;
      pool.dispatch(
        { method: "PATCH", path, headers, body },
        {
          onConnect: () => {},
          onHeaders: (statusCode) => {
            status = statusCode;
            return true;
          },
          onData: () => true,
          onComplete: () => resolve(status),
          onError: reject,
        },
      );
    });
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      try {
        const status = await send(`${url.pathname}/users/user${(i % users) + 1}@example.com`);
        statuses[status] = (statuses[status] ?? 0) + 1;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsedMs = performance.now() - started;
  await pool.close();
  return {
    requests: Object.values(statuses).reduce((a, b) => a + b, 0) + errors,
    elapsedMs,
    statuses,
    errors,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [apiUrl = "", token = "", users = "1000", count = "100000", seconds = "10", connections = "64"] =
    process.argv.slice(2);
  const result = await runLoad(
    apiUrl,
    token,
    Number(users),
    Number(count),
    Number(seconds),
    Number(connections),
  );
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result));
}
