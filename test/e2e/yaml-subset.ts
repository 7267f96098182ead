// A YAML subset, enough for a Kubernetes manifest: block maps and lists, scalars, quoted
// strings, flow lists of scalars, comments. One document.

export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };
interface YamlLine {
  readonly indent: number;
  readonly text: string;
  readonly number: number;
}

export function parseYaml(source: string): Yaml {
  const lines: YamlLine[] = [];
  source.split('\n').forEach((raw, index) => {
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '' || text.trim() === '---') return;
    lines.push({ indent: text.length - text.trimStart().length, text: text.trimStart(), number: index + 1 });
  });
  let at = 0;

  function fail(line: YamlLine | undefined, why: string): never {
    throw new Error(`YAML line ${line?.number ?? 'end'}: ${why}`);
  }

  function node(indent: number): Yaml {
    const first = lines[at];
    if (first === undefined || first.indent < indent) return null;
    return first.text === '-' || first.text.startsWith('- ') ? list(first.indent) : map(first.indent);
  }

  function list(indent: number): Yaml[] {
    const items: Yaml[] = [];
    for (let line = lines[at]; line !== undefined && line.indent === indent && (line.text === '-' || line.text.startsWith('- ')); line = lines[at]) {
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        at += 1;
        items.push(node(indent + 1));
      } else if (/^[^"'[{][^:]*:(\s|$)/.test(rest)) {
        // "- key: value" opens a map whose keys line up with "key".
        lines[at] = { indent: indent + line.text.length - rest.length, text: rest, number: line.number };
        items.push(map(lines[at]!.indent));
      } else {
        at += 1;
        items.push(scalar(rest));
      }
    }
    return items;
  }

  function map(indent: number): { [key: string]: Yaml } {
    const result: { [key: string]: Yaml } = {};
    for (let line = lines[at]; line !== undefined && line.indent === indent; line = lines[at]) {
      if (line.text.startsWith('- ')) fail(line, 'a list item where a key was expected');
      const pair = /^("[^"]*"|'[^']*'|[^:]+?):(?:\s+(.*))?$/.exec(line.text);
      if (pair === null) fail(line, `not a key: ${line.text}`);
      const key = String(scalar(pair[1]!));
      at += 1;
      if (pair[2] !== undefined) {
        result[key] = scalar(pair[2]);
        continue;
      }
      const next = lines[at];
      // A list may sit at its key's own indent.
      const nested = next !== undefined && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')));
      result[key] = nested ? node(next.indent) : null;
    }
    const stray = lines[at];
    if (stray !== undefined && stray.indent > indent) fail(stray, 'unexpected indentation');
    return result;
  }

  const document = node(0);
  if (at !== lines.length) fail(lines[at], 'not read');
  return document;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function scalar(text: string): Yaml {
  const value = text.trim();
  if (value.startsWith('"')) return JSON.parse(value) as string;
  if (value.startsWith("'")) return value.slice(1, -1).replaceAll("''", "'");
  if (value.startsWith('[')) {
    const inner = value.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((item) => scalar(item));
  }
  if (value === 'true' || value === 'false') return value === 'true';
  if (value === 'null' || value === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** The value at a path of keys and list indexes; throws naming the path when it is missing. */
export function at(value: Yaml, ...path: (string | number)[]): Yaml {
  let current: Yaml = value;
  for (const [index, step] of path.entries()) {
    const next: Yaml | undefined =
      typeof step === 'number' ? (Array.isArray(current) ? current[step] : undefined) : current !== null && typeof current === 'object' && !Array.isArray(current) ? current[step] : undefined;
    if (next === undefined) throw new Error(`missing: ${path.slice(0, index + 1).join('.')}`);
    current = next;
  }
  return current;
}

export function list(value: Yaml): Yaml[] {
  if (!Array.isArray(value)) throw new Error(`not a list: ${JSON.stringify(value)}`);
  return value;
}
