// The documents stay true to the code they describe: every event the supervisor logs is
// in docs/events.md (and nothing else is), every `docs/design.md §N` a comment cites is a
// section there, and every relative link of README.md and docs/*.md reaches its file and
// heading, so that a newcomer gets from docs/design.md to any behaviour in one hop.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot } from '../helpers/supervisor.js';

/** Every file under `dir` whose name ends with one of `endings`, skipping built output. */
function filesUnder(dir: string, endings: readonly string[]): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => endings.some((ending) => file.endsWith(ending)) && !file.split('/').some((part) => part === 'dist' || part === 'node_modules'))
    .map((file) => join(dir, file));
}

const read = (file: string): string => readFileSync(join(repoRoot, file), 'utf8');

/** The lines of a Markdown file outside fenced and indented code blocks, with their numbers. */
function proseLines(text: string): Array<{ line: string; number: number }> {
  let fenced = false;
  const lines: Array<{ line: string; number: number }> = [];
  text.split('\n').forEach((line, index) => {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && !line.startsWith('    ')) lines.push({ line, number: index + 1 });
  });
  return lines;
}

/** GitHub's anchors for a Markdown file's headings (lower case, punctuation dropped, spaces to dashes, repeats numbered). */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

describe('the documents', () => {
  it('list in docs/events.md every event the supervisor logs, and no other', () => {
    const logged = new Set(filesUnder('apps/supervisor/src', ['.ts']).flatMap((file) => [...read(file).matchAll(/\bevent: '([a-z0-9_]+)'/g)].map((match) => match[1]!)));
    const documented = new Set([...read('docs/events.md').matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((match) => match[1]!));
    expect(logged.size).toBeGreaterThan(40);
    expect({ undocumented: [...logged].filter((event) => !documented.has(event)), notLogged: [...documented].filter((event) => !logged.has(event)) }).toEqual({ undocumented: [], notLogged: [] });
  });

  it('cite only sections docs/design.md has', () => {
    const sections = new Set([...read('docs/design.md').matchAll(/^## (\d+)\. /gm)].map((match) => match[1]!));
    const sources = [...filesUnder('apps', ['.ts', '.mjs']), ...filesUnder('packages', ['.ts', '.mjs']), ...filesUnder('test', ['.ts', '.mjs'])];
    const citations = sources.flatMap((file) =>
      [...read(file).matchAll(/docs\/design\.md ((?:§\d+(?:, )?)+)/g)].flatMap((match) => [...match[1]!.matchAll(/§(\d+)/g)].map((section) => ({ file, section: section[1]! }))),
    );
    expect(citations.length).toBeGreaterThan(40);
    expect(citations.filter((citation) => !sections.has(citation.section))).toEqual([]);
  });

  it('link only to files and headings that exist (README.md and docs/*.md)', () => {
    const pages = ['README.md', ...filesUnder('docs', ['.md'])];
    const broken: string[] = [];
    let links = 0;
    for (const page of pages) {
      for (const { line, number } of proseLines(read(page))) {
        for (const match of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
          const target = match[1]!;
          if (/^[a-z]+:/i.test(target)) continue;
          links += 1;
          const [path = '', anchor] = target.split('#');
          const file = path === '' ? join(repoRoot, page) : resolve(dirname(join(repoRoot, page)), decodeURIComponent(path));
          if (!existsSync(file)) broken.push(`${page}:${number}: ${target} (no such file)`);
          else if (anchor !== undefined && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${page}:${number}: ${target} (no such heading in ${relative(repoRoot, file)})`);
        }
      }
    }
    expect(links).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  });
});
