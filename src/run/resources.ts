import type { Logger } from "pino";
import type { RunConfig } from "../config.js";
import { DependencyError } from "../errors.js";
import { JournalWriter, journalPath } from "../journal/file.js";
import { limitersFor, type Limiters } from "../limit/index.js";
import { openResults, type ResultsWriter } from "../report/results.js";
import { tokenProviderFor, type TokenProvider } from "../send/auth.js";
import { createExecutor, type Executor } from "../send/execute.js";
import { createSender, type Sender } from "../send/sender.js";
import { accountScope, openLevelState, openRedisState, type AccountState } from "../state/index.js";
import { RowIndexWriter, rowIndexPath } from "./resume.js";
import type { RunDeps } from "./types.js";

/**
 * Everything a run holds open, opened in one place and closed in one place on every path: the
 * token provider, the `--state` store, the limiters (with `--redis`, their connections), the HTTP
 * sender, the results file, its row index and (`--diff`) the journal. If opening one fails, the
 * ones already open are closed before the error goes on.
 */
export interface Resources {
  tokens: TokenProvider;
  state?: AccountState;
  limiters: Limiters;
  sender: Sender;
  executor: Executor;
  results: ResultsWriter;
  rowIndex: RowIndexWriter;
  /** `--diff`: `<results>.journal.jsonl`, the values each change replaces (src/journal). */
  journal?: JournalWriter;
  /** Closes everything still open, in reverse order; never throws (failures are logged). */
  close(): Promise<void>;
}

export async function openResources(
  config: RunConfig,
  deps: RunDeps,
  options: { append: boolean; logger: Logger; stop: { drain: AbortSignal; hard: AbortSignal } },
): Promise<Resources> {
  const closers: { name: string; close: () => unknown }[] = [];
  const close = async (): Promise<void> => {
    for (const { name, close: fn } of closers.reverse()) {
      try {
        await fn();
      } catch (error) {
        options.logger.warn({ resource: name, err: error }, "run.close_failed");
      }
    }
    closers.length = 0;
  };
  try {
    const tokens = tokenProviderFor(config.zoom);
    // Wrong credentials stop the run here, before anything is sent. An incremental sync may have
    // nothing to send at all, so it asks for a token only when it first needs one.
    if (!config.state) await tokens.get();

    const state = config.state ? await openStateStore(config, deps) : undefined;
    if (state) closers.push({ name: "state", close: () => state.store.close() });

    const limiters = limitersFor(config, { logger: options.logger, limitsScale: deps.limitsScale });
    // with --redis this closes the connections, so the process can exit
    closers.push({ name: "limiters", close: () => limiters.stop() });
    await limiters.ready(); // an unreachable --redis stops the run here, before sending

    const sender = createSender({
      apiUrl: config.zoom.apiUrl,
      tokens,
      ...(config.requestTimeoutMs ? { requestTimeoutMs: config.requestTimeoutMs } : {}),
    });
    closers.push({ name: "sender", close: () => sender.close() });
    const executor = createExecutor({
      sender,
      limiters,
      tokens,
      signal: options.stop.drain, // a stop ends waits: nothing new is sent
      requestSignal: options.stop.hard, // requests in flight end only on a hard stop
      logger: options.logger.child({ stage: "send" }),
    });

    const results = onDisk(config.results, () =>
      (deps.openResults ?? openResults)(config.results, { append: options.append }),
    );
    closers.push({ name: "results", close: () => results.close() });
    const rowIndex = onDisk(
      config.results,
      () => new RowIndexWriter(rowIndexPath(config.results), options.append),
    );
    closers.push({ name: "row index", close: () => rowIndex.close() });
    const journal = config.diff
      ? onDisk(config.results, () => new JournalWriter(journalPath(config.results), options.append))
      : undefined;
    if (journal) closers.push({ name: "journal", close: () => journal.close() });

    return {
      tokens,
      ...(state ? { state } : {}),
      limiters,
      sender,
      executor,
      results,
      rowIndex,
      ...(journal ? { journal } : {}),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens a file beside the results; a disk that refuses (EPERM, EROFS, ENOSPC) is exit 6. */
function onDisk<T>(results: string, open: () => T): T {
  try {
    return open();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DependencyError(
      "disk",
      `Cannot write the results file ${results} (${code}): nothing was sent. Fix the file's permissions or free some space, or name another --results.`,
      { cause: error },
    );
  }
}

async function openStateStore(config: RunConfig, deps: RunDeps): Promise<AccountState> {
  const path = config.state as string;
  const redis = config.redis;
  const open = deps.openState ?? (redis ? (name: string) => openRedisState(redis.url, name) : openLevelState);
  const store = await open(path);
  try {
    return { store, secret: await store.secret(), account: accountScope(config.zoom) };
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}
