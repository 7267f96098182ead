import { readFileSync } from 'node:fs';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { GROUP_PATHS, keyByPath, CONFIG_KEYS } from './keys.js';
import { showName, type Assignment, type Finding, type LayerResult, type ValueSource } from './findings.js';
import { suggestName } from './suggest.js';

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

/** 1-based line and column of an offset in text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Reads a JSON config file into assignments. A file that cannot be read or parsed is
 * an error naming file, line and column; an unknown key is a warning with the nearest
 * known key; a group that is not an object is an error.
 */
export function readConfigFile(file: string): LayerResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(error));
    return { assignments: [], findings: [{ severity: 'error', code: 'unreadable', message: `${file}: cannot read the config file: ${reason}` }] };
  }
  return parseConfigText(file, text);
}

export function parseConfigText(file: string, text: string): LayerResult {
  const errors: ParseError[] = [];
  // A byte order mark is what some editors save; it is not an error of the user's.
  const body = text.replace(/^\uFEFF/, '');
  const root = parseTree(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined || root === undefined) {
    const offset = first?.offset ?? 0;
    const { line, column } = lineAndColumn(body, offset);
    const what =
      body.trim() === '' ? 'the file is empty' : first === undefined ? 'not valid JSON' : (SYNTAX_MESSAGES[printParseErrorCode(first.error)] ?? 'not valid JSON');
    return { assignments: [], findings: [{ severity: 'error', code: 'not_json', message: `${file}:${line}:${column}: not valid JSON: ${what}` }] };
  }
  const where = (node: Node): ValueSource => ({ layer: 'file', file, ...lineAndColumn(body, node.offset) });
  if (root.type !== 'object') {
    const { line, column } = lineAndColumn(body, root.offset);
    return {
      assignments: [],
      findings: [{ severity: 'error', code: 'wrong_type', message: `${file}:${line}:${column}: expected an object of settings like {"name": "chat"}, got ${describeNode(root)}` }],
    };
  }
  const assignments: Assignment[] = [];
  const findings: Finding[] = [];
  walkObject(root, [], { assignments, findings, where, file });
  return { assignments, findings };
}

interface Walk {
  readonly assignments: Assignment[];
  readonly findings: Finding[];
  readonly where: (node: Node) => ValueSource;
  readonly file: string;
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
      walk.assignments.push({ key, value: valueOf(valueNode), source: walk.where(valueNode) });
    } else if (GROUP_PATHS.has(path)) {
      if (valueNode.type === 'object') {
        walkObject(valueNode, [...segments, name], walk);
      } else {
        const source = walk.where(valueNode);
        walk.findings.push({
          severity: 'error',
          code: 'wrong_type',
          key: path,
          source,
          given: valueOf(valueNode),
          message: `${walk.file}:${lineOf(source)}: ${path}: expected an object of settings, got ${describeNode(valueNode)}`,
        });
      }
    } else {
      const source = walk.where(nameNode);
      const suggestion = suggestName(path, KNOWN_NAMES);
      walk.findings.push({
        severity: 'warning',
        code: 'unknown_key',
        key: path,
        source,
        ...(suggestion === undefined ? {} : { suggestion }),
        message: `${walk.file}:${lineOf(source)}: unknown key ${showName(path)}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; it is ignored`,
      });
    }
  }
}

function lineOf(source: ValueSource): string {
  return source.layer === 'file' ? `${source.line}:${source.column}` : '';
}

/** The plain value of a parsed node (objects and arrays included). */
function valueOf(node: Node): unknown {
  switch (node.type) {
    case 'object':
      return Object.fromEntries((node.children ?? []).map((property) => [String(property.children?.[0]?.value), valueOf(property.children?.[1] as Node)]));
    case 'array':
      return (node.children ?? []).map(valueOf);
    default:
      return node.value;
  }
}

function describeNode(node: Node): string {
  if (node.type === 'array') return 'a list';
  if (node.type === 'object') return 'an object';
  return JSON.stringify(node.value) ?? 'nothing';
}
