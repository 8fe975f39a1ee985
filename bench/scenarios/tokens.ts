/**
 * Issue 13, tokens with a short lifetime: a sandbox whose tokens live 20 s (SandboxOptions
 * `tokenTtlSeconds`, as gateways and proxies issue them), and a run long enough to span several
 * lifetimes: about 60 s, kept to a few hundred operations by scaling Business's limits down 10×
 * (`limitsScale` 0.1 on the sandbox and the job: Light 8/s, Medium 6/s). Prints tokens fetched
 * (POST /oauth/token in the server's log) against the ideal, ceil(duration / lifetime), where the
 * duration runs from the first token request to the last API call the server saw.
 *
 * Target (issue 13, "at most one token per lifetime, plus one after each 401/124"): fetched ≤ ideal
 * + 1 + the 401s. The + 1: a token renewed shortly before it expires (10% of its lifetime) can add
 * one renewal near the end of a run whose duration is close to a multiple of the lifetime.
 *
 * The sandbox runs in its own process (bench/lib/sandbox-child.ts: the CLI has no flag for the token
 * lifetime or limitsScale); the job runs here through runBatch.
 *
 *   npx tsx bench/scenarios/tokens.ts [scale=1]     (scale 0.5: about 30 s)
 */
import type { Plan } from "../../src/zoom/labels.js";
import { allOk, type Figures } from "../lib/figures.js";
import { isMain, runAsMain } from "../lib/main.js";
import { lanesManifest } from "../lib/manifest.js";
import { forkSandbox } from "../lib/sandbox.js";
import { inProcessScenario } from "../lib/scenario.js";

const PLAN: Plan = "business";
const SHARE = 1;
const LIFETIME_S = 20;
const LIMITS_SCALE = 0.1;

export interface TokensOptions {
  /** Multiplies the run's length (about 60 s at 1); default 1. */
  scale?: number;
}

export async function tokens(options: TokensOptions = {}): Promise<Figures> {
  const seconds = 60 * (options.scale ?? 1);
  // Both labels busy for `seconds` at the scaled ceiling: 8 profiles/s, 6 passwords/s.
  const users = Math.max(2, Math.round(80 * LIMITS_SCALE * seconds));
  const withPassword = Math.max(2, Math.round(60 * LIMITS_SCALE * seconds));
  return inProcessScenario({
    name: "tokens",
    plan: PLAN,
    share: SHARE,
    limitsScale: LIMITS_SCALE,
    manifest: (dir) => lanesManifest(dir, users, withPassword),
    sandbox: () =>
      forkSandbox({
        plan: PLAN,
        users,
        latency: { minMs: 140, maxMs: 160 },
        tokenTtlSeconds: LIFETIME_S,
        limitsScale: LIMITS_SCALE,
      }),
    deadlineMs: seconds * 5000 + 60_000,
    report: ({ measured, log, run, manifest }) => {
      const firstToken = Math.min(...log.filter((e) => e.path === "/oauth/token").map((e) => e.arrival));
      const lastCall = Math.max(...log.map((e) => e.arrival));
      const durationS = Number.isFinite(firstToken) ? (lastCall - firstToken) / 1000 : 0;
      const ideal = Math.max(1, Math.ceil(durationS / LIFETIME_S));
      const allowed = ideal + 1 + measured.unauthorized;
      return {
        setting:
          `${manifest.operations} operations (${users} profiles, ${withPassword} passwords) · ${PLAN} × ${LIMITS_SCALE}, ` +
          `share ${SHARE} · tokens live ${LIFETIME_S} s · latency 140–160 ms · no faults`,
        extra: {
          tokens: `${measured.tokensFetched} fetched over ${durationS.toFixed(1)} s; ideal ceil(${durationS.toFixed(1)} / ${LIFETIME_S}) = ${ideal}`,
        },
        target: `tokens fetched ≤ ideal + 1 + 401s (one per lifetime, plus one after each 401/124)`,
        checks: [
          {
            what: `tokens fetched ${measured.tokensFetched} ≤ ${ideal} + 1 + ${measured.unauthorized}`,
            ok: measured.tokensFetched <= allowed,
          },
          allOk(run.summary.outcomes, manifest.operations),
        ],
      };
    },
  });
}

if (isMain(import.meta.url)) await runAsMain(tokens);
