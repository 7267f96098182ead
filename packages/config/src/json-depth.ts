import { createScanner, type SyntaxKind } from 'jsonc-parser';

/** Objects and lists inside each other: more than any config needs, far less than a stack holds. */
export const MAX_DEPTH = 64;

export const TOO_DEEP = `nested too deep: more than ${MAX_DEPTH} levels of objects and lists`;

// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot read.
const OPEN_BRACE = 1 as SyntaxKind;
const CLOSE_BRACE = 2 as SyntaxKind;
const OPEN_BRACKET = 3 as SyntaxKind;
const CLOSE_BRACKET = 4 as SyntaxKind;
const EOF = 17 as SyntaxKind;

/**
 * The offset of the first `{` or `[` nested deeper than MAX_DEPTH, or undefined.
 *
 * The parser, the walk over its tree and the validation all recurse once per level, so
 * a file 5,000 deep overflowed the stack: the depth is checked here first, without
 * recursion. The tokens are jsonc-parser's own, as its parser sees them (strings and
 * comments included). A close only counts when it matches the open before it: the
 * parser recovers from errors by skipping tokens, and a stray `}` in a list must not
 * let `[}, [}, [},…` pass as shallow while the parser goes down a level at each `[`.
 */
export function offsetTooDeep(text: string): number | undefined {
  const scanner = createScanner(text, true);
  const open: SyntaxKind[] = [];
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (token === OPEN_BRACE || token === OPEN_BRACKET) {
      open.push(token);
      if (open.length > MAX_DEPTH) return scanner.getTokenOffset();
    } else if ((token === CLOSE_BRACE && open.at(-1) === OPEN_BRACE) || (token === CLOSE_BRACKET && open.at(-1) === OPEN_BRACKET)) {
      open.pop();
    }
  }
  return undefined;
}
