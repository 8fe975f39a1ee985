import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Argv, CommandModule, Options } from "yargs";
import { readOption } from "../config.js";
import { ConfigError } from "../errors.js";
import { loadSeedUsers, parseFaults, parseLatency, sandboxEnv, startSandbox } from "../sandbox/index.js";
import { flags, type Args } from "./flags.js";
import type { CliContext, CliIO } from "./io.js";

/** The `--users` file format, as `sandbox --help` states it (src/sandbox/users-model.ts checks it). */
const USERS_FORMAT = [
  '--users <file>: a JSON array of user objects, each with at least "email" (unique, any case).',
  'Optional keys: "id" (default: a stable id from the email), "status" (active, inactive or pending;',
  'default active), "role_name" (Owner, Admin or Member; default Member), "password", and any profile',
  "field (first_name, last_name, type, dept, job_title, timezone, …). Example:",
  '  [{"email": "ann@example.com", "first_name": "Ann", "type": 2}, {"email": "bo@example.com"}]',
  "Default: the demo account (alice@example.com, the owner, … heidi@example.com, user1 … user20@example.com).",
].join("\n");

const text = (describe: string): Options => ({ type: "string", requiresArg: true, describe });

/** The sandbox's own flags (its `--plan` and `--port` go through the options table). */
const SANDBOX_FLAGS: Record<string, Options> = {
  ...flags("port"),
  plan: { ...text("Rate limits of this plan: free, pro, business"), defaultDescription: "pro" },
  latency: text("Added latency in ms: 150, or a range 100-200"),
  faults: text("Fault probabilities, e.g. 5xx=0.02,reset=0.01,hang=0.005,lost-upload=0.02,other-apps=0.4"),
  users: text("Seed users from this JSON file (format below)"),
  "account-id": text("Account id it accepts (default sandbox-account)"),
  "client-id": text("Client id it accepts (default sandbox-client)"),
  "client-secret": text("Client secret it accepts (default sandbox-secret)"),
  ...flags("envFile"),
};

/** `zoom-bulk sandbox`: the simulated Zoom account as a server, until SIGINT/SIGTERM. */
export function sandboxCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "sandbox",
    describe: "Start the simulated Zoom account as a server and print the settings a run needs",
    builder: (y: Argv<object>) =>
      y
        .options(SANDBOX_FLAGS)
        .example([
          ["$0 sandbox --port 8080 --plan business", "A sandbox on a fixed port with Business limits"],
          ["$0 sandbox --users u.json --env-file z.env", "Seed users; write the settings to z.env"],
          ["set -a; . ./z.env; set +a; $0 run hr.csv", "In another shell: run against it"],
        ])
        .epilog(USERS_FORMAT) as Argv<Args>,
    handler: (args) => serve(args, ctx.io),
  };
}

/** Starts the sandbox, prints (and writes) its settings, and serves until the signal. */
async function serve(args: Args, io: CliIO): Promise<void> {
  const str = (name: string): string | undefined => (typeof args[name] === "string" ? args[name] : undefined);
  const [latency, faults, users] = [str("latency"), str("faults"), str("users")];
  const [accountId, clientId, clientSecret] = [str("account-id"), str("client-id"), str("client-secret")];
  const envFile = readOption("envFile", args["env-file"]);
  const sandbox = await startSandbox({
    port: readOption("port", args.port),
    plan: readOption("plan", args.plan),
    ...(latency !== undefined ? { latency: parseLatency(latency) } : {}),
    ...(faults !== undefined ? { faults: parseFaults(faults) } : {}),
    ...(users !== undefined ? { users: await loadSeedUsers(users) } : {}),
    credentials: {
      ...(accountId ? { accountId } : {}),
      ...(clientId ? { clientId } : {}),
      ...(clientSecret ? { clientSecret } : {}),
    },
  });
  try {
    const settings = Object.entries(sandboxEnv(sandbox))
      .map(([name, value]) => `${name}=${value}\n`)
      .join("");
    io.stdout.write(settings);
    if (envFile !== undefined) writeEnvFile(envFile, settings, io);
    io.stderr.write("zoom-bulk: sandbox running; Ctrl-C stops it\n");
    await untilAborted(io.signal);
  } finally {
    await sandbox.close();
  }
}

/** The settings as an env file, 0600 (it holds the sandbox's client secret), its folder created. */
export function writeEnvFile(path: string, settings: string, io: Pick<CliIO, "stderr">): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(path, settings, { mode: 0o600 });
    chmodSync(path, 0o600); // an existing file keeps its mode on write
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`--env-file: cannot write ${path} (${code}); choose a file this user may write.`);
  }
  io.stderr.write(`zoom-bulk: settings written to ${path}\n`);
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((done) => {
    if (signal?.aborted) done();
    signal?.addEventListener("abort", () => done(), { once: true });
  });
}
