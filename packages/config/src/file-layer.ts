import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { MAX_FINDINGS_PER_KIND } from './cap.js';
import { clipGiven, safeName, showName, showValue, type Assignment, type Finding, type LayerResult, type ValueSource } from './findings.js';
import { offsetTooDeep, TOO_DEEP } from './json-depth.js';
import { GROUP_PATHS, keyByPath, CONFIG_KEYS, type ConfigKey } from './keys.js';
import { nodeValue } from './node-value.js';
import { readConfigText } from './read-file.js';
import { suggestName } from './suggest.js';
import { positionsIn } from './text-position.js';

/** Keys a file may carry that are not settings: `$schema` points editors at config/schema.json. */
const IGNORED_TOP_LEVEL = new Set(['$schema']);

const KNOWN_NAMES = [...CONFIG_KEYS.map((key) => key.path), ...GROUP_PATHS];

/** What each JSON syntax error means to a person editing the file. */
const SYNTAX_MESSAGES: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'expected a property name in double quotes (is there a trailing comma?)',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after the property name",
  CommaExpected: "expected ',' between entries",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'invalid \\u escape in a string',
  InvalidEscapeCharacter: 'invalid escape in a string',
  InvalidCharacter: 'a control character in a string (write it escaped)',
};

/**
 * Reads a JSON config file into assignments. A file that cannot be read or parsed is
 * an error naming file, line and column; an unknown key is a warning with the nearest
 * known key; a group that is not an object is an error.
 */
export function readConfigFile(file: string): LayerResult {
  const read = readConfigText(file);
  if (!read.ok) return { assignments: [], findings: [read.finding] };
  return parseConfigText(file, read.text);
}

export function parseConfigText(file: string, text: string): LayerResult {
  // A byte order mark is what some editors save; it is not an error of the user's.
  const body = text.replace(/^\uFEFF/, '');
  const position = positionsIn(body);
  const at = (offset: number): string => {
    const { line, column } = position(offset);
    return `${file}:${line}:${column}`;
  };
  // Before the parser, which recurses once per level: see json-depth.ts.
  const deep = offsetTooDeep(body);
  if (deep !== undefined) return { assignments: [], findings: [{ severity: 'error', code: 'too_deep', message: `${at(deep)}: ${TOO_DEEP}` }] };
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined || root === undefined) {
    const what = body.trim() === '' ? 'the file is empty' : first === undefined ? 'not valid JSON' : (SYNTAX_MESSAGES[printParseErrorCode(first.error)] ?? 'not valid JSON');
    return { assignments: [], findings: [{ severity: 'error', code: 'not_json', message: `${at(first?.offset ?? 0)}: not valid JSON: ${what}` }] };
  }
  if (root.type !== 'object') {
    return {
      assignments: [],
      findings: [{ severity: 'error', code: 'wrong_type', message: `${at(root.offset)}: expected an object of settings like {"name": "chat"}, got ${describeNode(root, body)}` }],
    };
  }
  const walk: Walk = { assignments: [], findings: [], where: (node) => ({ layer: 'file', file, ...position(node.offset) }), at, file, body, unknown: 0 };
  walkObject(root, [], walk);
  return { assignments: walk.assignments, findings: walk.findings };
}

interface Walk {
  readonly assignments: Assignment[];
  readonly findings: Finding[];
  readonly where: (node: Node) => ValueSource;
  /** "file:line:column" of an offset. */
  readonly at: (offset: number) => string;
  readonly file: string;
  readonly body: string;
  /** Unknown keys so far. */
  unknown: number;
}

function walkObject(node: Node, segments: readonly string[], walk: Walk): void {
  for (const property of node.children ?? []) {
    const [nameNode, valueNode] = property.children ?? [];
    if (nameNode === undefined || valueNode === undefined) continue;
    const name = String(nameNode.value);
    if (segments.length === 0 && IGNORED_TOP_LEVEL.has(name)) continue;
    const path = [...segments, name].join('.');
    const key = keyByPath(path);
    if (key !== undefined) {
      assign(key, valueNode, walk);
    } else if (GROUP_PATHS.has(path)) {
      if (valueNode.type === 'object') {
        walkObject(valueNode, [...segments, name], walk);
      } else {
        walk.findings.push({
          severity: 'error',
          code: 'wrong_type',
          key: path,
          source: walk.where(valueNode),
          given: clipGiven(nodeValue(valueNode, path).value),
          message: `${walk.at(valueNode.offset)}: ${path}: expected an object of settings, got ${describeNode(valueNode, walk.body)}`,
        });
      }
    } else {
      // Only the first few unknown keys are shown (cap.ts): the rest need no suggestion.
      walk.unknown += 1;
      const suggestion = walk.unknown <= MAX_FINDINGS_PER_KIND ? suggestName(path, KNOWN_NAMES) : undefined;
      walk.findings.push({
        severity: 'warning',
        code: 'unknown_key',
        key: safeName(path),
        source: walk.where(nameNode),
        ...(suggestion === undefined ? {} : { suggestion }),
        message: `${walk.at(nameNode.offset)}: unknown key ${showName(path)}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; it is ignored`,
      });
    }
  }
}

/** A known key's value; a number too large to hold is an error here, where its text still is. */
function assign(key: ConfigKey, valueNode: Node, walk: Walk): void {
  const { value, tooLarge, protoNames } = nodeValue(valueNode, key.path);
  for (const proto of protoNames) {
    walk.findings.push({
      severity: 'warning',
      code: 'unusable_name',
      key: proto.path,
      source: walk.where(proto.node),
      message: `${walk.at(proto.node.offset)}: ${proto.path} is not a usable ${key.meta.kind === 'map' ? 'variable name' : 'name'}; it is ignored`,
    });
  }
  if (tooLarge !== undefined) {
    walk.findings.push({
      severity: 'error',
      code: 'wrong_type',
      key: key.path,
      source: walk.where(tooLarge),
      message: `${walk.at(tooLarge.offset)}: ${key.path}: expected ${key.meta.expects}, got ${describeNode(tooLarge, walk.body)}, a number too large`,
    });
    return;
  }
  walk.assignments.push({ key, value, source: walk.where(valueNode) });
}

/** A node as the user wrote it: a number's own text (1e309, not Infinity), shortened. */
function describeNode(node: Node, body: string): string {
  if (node.type === 'array') return 'a list';
  if (node.type === 'object') return 'an object';
  if (node.type === 'number') return safeName(body.slice(node.offset, node.offset + node.length));
  return showValue(node.value);
}
