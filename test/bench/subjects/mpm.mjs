// mpm-supervise as a user runs it (the built CLI), with its JSON log read as it comes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../lib/paths.mjs';
import { waitFor } from '../lib/wait.mjs';

/**
 * Starts `mpm-supervise [args] -- command…` with JSON logs on stdout. `onRecord(record, at)`
 * sees every log record (at = performance.now() when it was read). The status server
 * takes any free port and the state file goes to a private folder. `entry` is the build
 * to run: the one-file build the `mpm-supervise` bin runs (paths.bundle) unless told
 * otherwise (paths.cli, the tsc output).
 */
export function startMpm(ctx, { args = [], command, env = {}, onRecord = () => undefined, entry = paths.bundle }) {
  const stateDir = mkdtempSync(join(tmpdir(), 'mpm-bench-state-'));
  const child = spawn(process.execPath, [entry, '--http-port', '0', ...args, '--', ...command], {
    env: { ...ctx.env, MPM_LOG_FORMAT: 'json', MPM_STATE_DIR: stateDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const records = [];
  let stderr = '';
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    const at = performance.now();
    for (const line of lines) {
      let record;
      try {
        record = JSON.parse(line);
      } catch {
        continue;
      }
      if (record.source !== 'child') records.push({ record, at });
      onRecord(record, at);
    }
  });
  const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return {
    pid: child.pid,
    /** The supervisor's own records (not the child's lines), oldest first. */
    records,
    stderr: () => stderr,
    /** The first supervisor record matching `predicate`, waiting for it up to `timeoutMs`. */
    waitRecord(what, predicate, timeoutMs = 30_000) {
      return waitFor(what, () => records.find(({ record }) => predicate(record)), { timeoutMs, pollMs: 5 });
    },
    closed,
    /** SIGTERM, then the exit; SIGKILL if it takes more than 30 s. */
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const exit = await closed;
      clearTimeout(timer);
      rmSync(stateDir, { recursive: true, force: true });
      return exit;
    },
  };
}
