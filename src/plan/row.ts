import type { InvalidOperation, ManifestRecord, Operation, OpKind, PlannedRow, ResultOp } from "../types.js";

/** Which kinds of operation the run wants (`--only`); others are neither planned nor checked. */
export type Wants = (kind: OpKind) => boolean;

/**
 * The row's operations as they are planned: `next` hands out indexes in the order the operations
 * run (counted before --only, so an operation keeps its index whatever --only says), `accept` and
 * `refuse` record each one. Accepted operations are kept in the order they are accepted, which is
 * the order the row runner sends them in.
 */
export class RowBuilder {
  readonly planned: PlannedRow;
  private index = 0;

  constructor(
    readonly fields: Record<string, unknown>,
    private readonly prefix: string,
    row: number,
    line: number,
    user: string,
  ) {
    this.planned = { row, line, user, operations: [], invalid: [] };
  }

  get user(): string {
    return this.planned.user;
  }

  next(): number {
    return this.index++;
  }

  accept(operation: Omit<Operation, "row" | "line" | "user">): void {
    const { row, line, user } = this.planned;
    this.planned.operations.push({ row, line, user, ...operation });
  }

  refuse(op: OpKind, index: number, target: string, code: string, problem: string): void {
    const { row, line, user } = this.planned;
    const message = `${this.prefix}: ${sentence(problem)}`;
    this.planned.invalid.push({ row, line, user, op, index, target, code, message });
  }
}

export function sentence(text: string): string {
  return text.endsWith(".") ? text : `${text}.`;
}

/** The whole record refused as one `row` result (unreadable, no usable user, an unknown action). */
export function rowInvalid(record: ManifestRecord, user: string, code: string, message: string): PlannedRow {
  const invalid: InvalidOperation = {
    row: record.row,
    line: record.line,
    user,
    op: "row" satisfies ResultOp,
    index: 0,
    target: "",
    code,
    message,
  };
  return { row: record.row, line: record.line, user, operations: [], invalid: [invalid] };
}

/** A value as a message may show it: JSON-quoted, at most 40 characters. */
export function shown(value: unknown): string {
  const text = typeof value === "string" ? value.trim() : JSON.stringify(value);
  const short = [...(text ?? String(value))];
  const cut = short.length > 40 ? `${short.slice(0, 40).join("")}…` : short.join("");
  return JSON.stringify(cut);
}
