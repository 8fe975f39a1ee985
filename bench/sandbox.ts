/**
 * Sandbox throughput: the sandbox in this process, a load generator (bench/sandbox-load.ts) in a
 * child process with 64 keep-alive connections sending PATCH /v2/users/{id}, business plan with
 * the rate limits lifted, faults off, request log off. Prints `sandbox: N req/s`.
 *
 *   npx tsx bench/sandbox.ts [count=100000] [seconds=10]
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startSandbox } from "../src/sandbox/index.js";
import type { LoadResult } from "./sandbox-load.js";

const USERS = 1000;

export async function main(count = 100_000, seconds = 10, connections = 64): Promise<number> {
  const sandbox = await startSandbox({ plan: "business", unlimited: true, logRequests: false, users: USERS });
  try {
    const basic = Buffer.from(`${sandbox.credentials.clientId}:${sandbox.credentials.clientSecret}`).toString(
      "base64",
    );
    const tokenRes = await fetch(
      `${sandbox.oauthUrl}?grant_type=account_credentials&account_id=${sandbox.credentials.accountId}`,
      { method: "POST", headers: { authorization: `Basic ${basic}` } },
    );
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const args = [sandbox.apiUrl, token, String(USERS), String(count), String(seconds), String(connections)];
    const warmup = await load([sandbox.apiUrl, token, String(USERS), "3000", "2", String(connections)]);
    sandbox.state.reset();
    const result = await load(args);
    const perSecond = Math.round((result.requests / result.elapsedMs) * 1000);
    const stats = sandbox.state.stats().light;
    console.log(`sandbox: ${perSecond} req/s`);
    console.log(
      `  ${result.requests} requests in ${Math.round(result.elapsedMs)} ms over ${connections} connections; ` +
        `statuses ${JSON.stringify(result.statuses)}, network errors ${result.errors}; ` +
        `sandbox saw ${stats.requests} (max ${stats.maxInSlidingSecond} in a sliding second); ` +
        `warm-up ${warmup.requests}`,
    );
    return perSecond;
  } finally {
    await sandbox.close();
  }
}

function load(args: string[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./sandbox-load.ts", import.meta.url)), args, {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (message) => resolve(message as LoadResult));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [count, seconds] = process.argv.slice(2).map(Number);
  await main(count || undefined, seconds || undefined);
}
