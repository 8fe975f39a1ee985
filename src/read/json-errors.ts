/**
 * Finds where a JSON text stops being JSON, for a message with a line and column. JSON.parse says
 * only "at position N" for some mistakes and quotes the text for others (which may hold a
 * password), so the reader asks this small scanner instead, and only once JSON.parse has failed.
 * It keeps its own stack: a record nested a million levels deep cannot overflow the call stack.
 */

export interface JsonErrorAt {
  /** Offset of the first character that cannot be there, in UTF-16 units of the text. */
  offset: number;
  /** What is wrong, in words; never a piece of the text. */
  problem: string;
}

type Want = "value" | "value-or-close" | "key" | "key-or-close" | "colon" | "comma-or-close" | "end";

const NOT_A_VALUE =
  "unexpected text where a JSON value belongs (a text value without double quotes, a trailing comma or a stray character)";
const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export function locateJsonError(text: string): JsonErrorAt | undefined {
  const stack: ("array" | "object")[] = [];
  let want: Want = "value";
  let i = 0;
  const fail = (problem: string): JsonErrorAt => ({ offset: i, problem });
  const closed = (): Want => (stack.length === 0 ? "end" : "comma-or-close");
  for (;;) {
    i = skipSpace(text, i);
    const ch = text[i];
    if (ch === undefined)
      return want === "end"
        ? undefined
        : fail("the record ends too early (a bracket, brace or quote is not closed)");
    if (want === "end") return fail("text after the end of the record's value");
    if (want === "colon") {
      if (ch !== ":") return fail("expected : after a key");
      i++;
      want = "value";
    } else if (want === "key" || want === "key-or-close") {
      if (ch === "}" && want === "key-or-close") {
        stack.pop();
        i++;
        want = closed();
        continue;
      }
      if (ch !== '"')
        return fail(
          want === "key"
            ? "expected a key in double quotes after the comma (a trailing comma?)"
            : "expected a key in double quotes, or }",
        );
      const end = scanString(text, i);
      if (typeof end !== "number") return end;
      i = end;
      want = "colon";
    } else if (want === "comma-or-close") {
      const top = stack[stack.length - 1];
      if (ch === ",") {
        i++;
        want = top === "object" ? "key" : "value";
      } else if ((ch === "]" && top === "array") || (ch === "}" && top === "object")) {
        stack.pop();
        i++;
        want = closed();
      } else return fail(`expected , or ${top === "object" ? "}" : "]"} after a value (a missing comma?)`);
    } else if (ch === "]" && want === "value-or-close") {
      stack.pop();
      i++;
      want = closed();
    } else if (ch === "{" || ch === "[") {
      stack.push(ch === "{" ? "object" : "array");
      i++;
      want = ch === "{" ? "key-or-close" : "value-or-close";
    } else {
      const end = ch === '"' ? scanString(text, i) : scanLiteral(text, i);
      if (typeof end !== "number") return end;
      i = end;
      want = closed();
    }
  }
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** The offset after a string that starts at `from` (a `"`), or the error in it. */
function scanString(text: string, from: number): number | JsonErrorAt {
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20)
      return {
        offset: i,
        problem: "a line break or control character inside a text value; write it as \\n or \\t",
      };
    if (c === 0x5c) {
      const next = text[i + 1];
      if (next === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
          return { offset: i, problem: "\\u in a text value must be followed by 4 hex digits" };
        i += 5;
      } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i++;
      else
        return {
          offset: i,
          problem: "a backslash in a text value must be doubled (\\\\) or start an escape",
        };
    }
  }
  return { offset: from, problem: "a text value is never closed with a double quote" };
}

function scanLiteral(text: string, from: number): number | JsonErrorAt {
  LITERAL.lastIndex = from;
  return LITERAL.test(text) ? LITERAL.lastIndex : { offset: from, problem: NOT_A_VALUE };
}
