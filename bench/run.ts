/** `npm run bench`: every benchmark in turn, printing its figures. */
import { main as sandbox } from "./sandbox.js";
import { main as throughput } from "./throughput.js";
import { main as validate } from "./validate.js";
import { main as sync } from "./sync.js";
import { main as cluster } from "./cluster.js";

await sandbox();
await throughput();
await validate();
await sync();
await cluster();
