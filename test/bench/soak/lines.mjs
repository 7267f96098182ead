// Lines lost: the demo server's numbered lines, read back from the supervisor's log file
// (all of its rotated files, oldest first), checked child by child.
import { existsSync, readFileSync } from 'node:fs';

const COUNT = /^demo-count (\d+)$/;
const LAST = /^demo-count stopped after (\d+)$/;
/** A child up this long has printed (a line every 10 ms): one with no line in the log lost them all. */
const SILENT_AFTER_MS = 1_000;

/** The log file and its rotated predecessors, oldest first (`soak.log.<n>` … `soak.log.1`, `soak.log`). */
function logFiles(logFile) {
  const rotated = [];
  for (let index = 1; existsSync(`${logFile}.${index}`); index += 1) rotated.push(`${logFile}.${index}`);
  return [...rotated.reverse(), logFile].filter(existsSync);
}

function* records(logFile) {
  for (const file of logFiles(logFile)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        yield JSON.parse(line);
      } catch {
        // A line that is not JSON is not the supervisor's: nothing to count.
      }
    }
  }
}

/** Children by pid, each pid's latest spawn; `all` keeps every one, since pids are reused over a long soak. */
function childTable() {
  const current = new Map();
  const all = [];
  const spawned = (pid) => {
    const child = { pid, numbers: [], stoppedAfter: undefined, exit: undefined };
    current.set(pid, child);
    all.push(child);
    return child;
  };
  return { all, spawned, of: (pid) => current.get(pid) ?? spawned(pid) };
}

/**
 * For each child (a pid from its spawn record on: pids are reused in a long soak): the numbers of its `demo-count N` lines in the order they were
 * logged, the N of its `demo-count stopped after N` line, and how it exited.
 *
 * A child writes its lines to a pipe with blocking writes of one line each, so a line
 * once written is in the pipe whole and the supervisor must relay it. What a child had
 * not written when it died is not a lost line. So for each child:
 * - expected: lines 1..N where N is the number in its last line ("stopped after N")
 *   when it has one, else the highest number seen (a SIGKILLed child writes no last line);
 * - lost: numbers in 1..expected that never reached the file; a child that exited by
 *   itself (an exit code, not a signal: it ran its exit hook) but has no last line lost
 *   that line too;
 * - out of order or repeated: any number not one above the one before it (besides gaps);
 * - silent: up at least SILENT_AFTER_MS (from its exit record) without a single line in
 *   the log, which the rules above cannot see (it is owed nothing).
 */
export function checkLines(logFile) {
  const children = childTable();
  for (const record of records(logFile)) {
    if (record.source === 'child' && record.stream === 'stdout') {
      const message = String(record.message);
      const count = COUNT.exec(message);
      if (count !== null) children.of(record.pid).numbers.push(Number(count[1]));
      const last = LAST.exec(message);
      if (last !== null) children.of(record.pid).stoppedAfter = Number(last[1]);
    } else if (record.source === 'supervisor' && record.event === 'child_spawned') {
      children.spawned(record.childPid);
    } else if (record.source === 'supervisor' && record.event === 'child_exited') {
      children.of(record.childPid).exit = { code: record.exitCode, signal: record.signal, uptimeMs: record.uptimeMs };
    }
  }
  const perChild = [];
  for (const { pid, ...child } of children.all) {
    const seen = new Set(child.numbers);
    const highest = child.numbers.reduce((max, n) => Math.max(max, n), 0);
    const expected = child.stoppedAfter ?? highest;
    let lost = 0;
    for (let n = 1; n <= expected; n += 1) if (!seen.has(n)) lost += 1;
    const ranExitHook = child.exit !== undefined && child.exit.code !== null;
    const lastLineLost = ranExitHook && child.stoppedAfter === undefined ? 1 : 0;
    let disorder = 0;
    for (let i = 1; i < child.numbers.length; i += 1) if (child.numbers[i] <= child.numbers[i - 1]) disorder += 1;
    perChild.push({
      pid,
      expected,
      lost: lost + lastLineLost,
      disorder,
      beyondLast: highest > expected ? highest - expected : 0,
      lastLine: child.stoppedAfter !== undefined,
      silent: expected === 0 && (child.exit?.uptimeMs ?? 0) >= SILENT_AFTER_MS,
      exit: child.exit === undefined ? 'still running' : (child.exit.signal ?? `code ${child.exit.code}`),
    });
  }
  const sum = (key) => perChild.reduce((total, child) => total + child[key], 0);
  return {
    files: logFiles(logFile).length,
    children: perChild.length,
    checked: sum('expected'),
    lost: sum('lost'),
    disorder: sum('disorder') + sum('beyondLast'),
    withLastLine: perChild.filter((child) => child.lastLine).length,
    silent: perChild.filter((child) => child.silent).length,
    perChild,
  };
}
