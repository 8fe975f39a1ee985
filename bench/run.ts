/** `npm run bench`: every benchmark in turn, printing its figures (Node version first). */
import { main as sandbox } from "./sandbox.js";
import { main as throughput } from "./throughput.js";
import { main as validate } from "./validate.js";
import { main as sync } from "./sync.js";
import { main as cluster } from "./cluster.js";
import { main as clientCapacity } from "./client-capacity.js";
import { main as lifecycle } from "./lifecycle.js";
import { main as plan } from "./plan.js";
import { scenarios } from "./scenarios/index.js";

console.log(`zoom-bulk benchmarks on Node ${process.version}, ${new Date().toISOString()}`);
await sandbox();
await throughput();
await validate();
await sync();
await cluster();
await clientCapacity();
await lifecycle();
await plan(); // issue 15: reading a 100,000-user account, and run --diff of an unchanged export
// Issue 13's conditions: lanes, faults, CPU contention with three Redis-shared processes, tokens.
await scenarios({ scale: Number(process.env.BENCH_SCALE ?? 1) });
