import type { Operation } from "../types.js";
import { BackgroundListings, cleanUpBackgrounds, uploadBackground } from "./backgrounds.js";
import { createLookingFirst } from "./create.js";
import { sameEmail } from "./email.js";
import type { RunOperation } from "./lookup.js";
import { runOperation, type LoopDeps } from "./loop.js";
import type { ExecResult } from "./outcome.js";
import { reconcilerFor } from "./reconcile.js";

/**
 * Runs operations to their end, each by what it needs before and around the retry loop
 * (send/loop.ts):
 *
 * - `create` with `checkFirst`: a lookup first (send/create.ts);
 * - a background upload: with `checkFirst`, the user's files first (send/backgrounds.ts);
 * - the `replace` clean-up (deleteVirtualBackgrounds with `keep`): the files, then one DELETE;
 * - an email change to the email the operation already names: `unchanged`, no request (send/email.ts);
 * - everything else: the retry loop alone.
 *
 * A session with `listings` belongs to one row: its operations run one after another through it,
 * and share the background listing it read (one GET settings per user per row). Nothing to close:
 * it is dropped with the row.
 */
export class RowSession {
  readonly #deps: LoopDeps;
  readonly #listings: BackgroundListings | undefined;
  readonly #run: RunOperation;

  constructor(deps: LoopDeps, listings?: BackgroundListings) {
    this.#listings = listings;
    this.#deps = { ...deps, reconcile: reconcilerFor(listings) };
    this.#run = (op, signal, started) => runOperation(this.#deps, op, signal, started);
  }

  async execute(op: Operation, signal: AbortSignal): Promise<ExecResult> {
    const now = this.#deps.now;
    const started = now();
    switch (op.endpoint) {
      case "createUser":
        if (op.checkFirst) return createLookingFirst(this.#run, op, signal, started);
        break;
      case "uploadVirtualBackground":
        return uploadBackground(this.#run, this.#listings, op, signal, started, now);
      case "deleteVirtualBackgrounds":
        if (op.keep)
          return cleanUpBackgrounds(
            this.#run,
            this.#listings,
            { ...op, keep: op.keep },
            signal,
            started,
            now,
          );
        break;
      case "updateEmail": {
        const same = sameEmail(op);
        if (same) return same;
        break;
      }
      default:
        break;
    }
    return (await this.#run(op, signal, started)).result;
  }
}
