import type { Node } from 'jsonc-parser';

/** The plain value of a parsed node, and what in it cannot be taken as it is. */
export interface NodeValue {
  readonly value: unknown;
  /** The first number too large for a double: 1e309 parses as Infinity, which JSON cannot show. */
  readonly tooLarge: Node | undefined;
  /** `__proto__` properties, left out: an object cannot hold one as its own key (an assignment sets its prototype). */
  readonly protoNames: ReadonlyArray<{ readonly node: Node; readonly path: string }>;
}

/**
 * The value of a node (objects and lists included). Recursive: the file's depth was
 * capped before it was parsed (json-depth.ts), so this goes at most 64 levels down.
 */
export function nodeValue(node: Node, path: string): NodeValue {
  const found: { tooLarge: Node | undefined; protoNames: Array<{ node: Node; path: string }> } = { tooLarge: undefined, protoNames: [] };
  const value = valueOf(node, path, found);
  return { value, ...found };
}

function valueOf(node: Node, path: string, found: { tooLarge: Node | undefined; protoNames: Array<{ node: Node; path: string }> }): unknown {
  switch (node.type) {
    case 'object': {
      const object: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const [nameNode, valueNode] = property.children ?? [];
        if (nameNode === undefined || valueNode === undefined) continue;
        const name = String(nameNode.value);
        if (name === '__proto__') {
          found.protoNames.push({ node: nameNode, path: `${path}.${name}` });
          continue;
        }
        object[name] = valueOf(valueNode, `${path}.${name}`, found);
      }
      return object;
    }
    case 'array':
      return (node.children ?? []).map((child, index) => valueOf(child, `${path}.${index}`, found));
    case 'number':
      if (!Number.isFinite(node.value) && found.tooLarge === undefined) found.tooLarge = node;
      return node.value;
    default:
      return node.value;
  }
}
