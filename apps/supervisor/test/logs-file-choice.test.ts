import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ExitCode } from '../src/exit-codes.js';
import { SupervisorError } from '../src/errors.js';
import { chooseLogFile } from '../src/logs/log-file-choice.js';
import type { LookupRequest } from '../src/program.js';
import { StateFile, type StateRecord } from '../src/state/state-file.js';

let dir: string;
let stateDir: string;
const children: Array<{ kill(signal: NodeJS.Signals): boolean }> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpm-logs-choice-'));
  stateDir = join(dir, 'state');
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function lookup(overrides: Partial<LookupRequest> = {}): LookupRequest {
  return { name: null, stateDir, configFile: null, ...overrides };
}

/** Writes the state file of a supervisor `name` run by `pid`, started now. */
function supervisor(name: string, pid: number, logFile: string | null): void {
  const record: StateRecord = { name, pid, version: '0.1.0', startedAt: new Date().toISOString(), http: null, logFile, command: ['node', 'server.js'] };
  new StateFile(stateDir, name, pid).write(record);
}

/**
 * A live process to stand for a supervisor: `status` and `logs` believe a state file only
 * when its pid runs mpm-supervise, so this one runs a script of that name that idles.
 */
function livePid(): number {
  const script = join(dir, 'mpm-supervise.mjs');
  writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  const child = spawn(process.execPath, [script], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

function failure(request: LookupRequest, env: NodeJS.ProcessEnv = {}): { message: string; exitCode: number } {
  try {
    chooseLogFile(request, null, env, dir);
  } catch (error) {
    if (error instanceof SupervisorError) return { message: error.message, exitCode: error.exitCode };
    throw error;
  }
  throw new Error('expected chooseLogFile to fail');
}

describe('chooseLogFile', () => {
  it('takes --file (relative to the working folder) without looking for supervisors', () => {
    supervisor('chat', livePid(), '/var/log/chat.log');
    supervisor('api', livePid(), '/var/log/api.log');
    expect(chooseLogFile(lookup(), 'logs/app.log', {}, dir)).toEqual({ path: join(dir, 'logs/app.log'), note: null, owner: null });
  });

  it("takes the running supervisor's log file", () => {
    supervisor('chat', livePid(), '/var/log/chat.log');
    expect(chooseLogFile(lookup(), null, {}, dir)).toEqual({ path: '/var/log/chat.log', note: null, owner: null });
  });

  it('asks for --name when several supervisors run, and takes the one named', () => {
    supervisor('chat', livePid(), '/var/log/chat.log');
    supervisor('api', livePid(), '/var/log/api.log');
    expect(failure(lookup())).toEqual({ message: '2 supervisors are running (api, chat); say which with --name', exitCode: ExitCode.usage });
    expect(chooseLogFile(lookup({ name: 'api' }), null, {}, dir).path).toBe('/var/log/api.log');
    expect(chooseLogFile(lookup(), null, { MPM_NAME: 'chat' }, dir).path).toBe('/var/log/chat.log');
  });

  it('takes the log file of a supervisor that is gone, with a note saying so', async () => {
    const pid = await deadPid();
    supervisor('chat', pid, '/var/log/chat.log');
    expect(chooseLogFile(lookup(), null, {}, dir)).toEqual({
      path: '/var/log/chat.log',
      note: `supervisor chat (pid ${pid}) is not running; showing the log file it wrote`,
      owner: null,
    });
  });

  it("falls back to the config's log.file, with a note", () => {
    const config = join(dir, 'mpm.json');
    writeFileSync(config, JSON.stringify({ log: { file: 'chat.log' } }));
    expect(chooseLogFile(lookup({ configFile: config }), null, {}, dir)).toEqual({
      path: join(dir, 'chat.log'),
      note: `no running supervisor found; reading log.file ${join(dir, 'chat.log')}`,
      owner: null,
    });
  });

  it('says so, and how to get one, when the running supervisor writes no log file (exit 78)', () => {
    const pid = livePid();
    supervisor('chat', pid, null);
    expect(failure(lookup())).toEqual({
      message: `supervisor chat (pid ${pid}) writes no log file; start it with --log-file <file> (or log.file in its config) to read its logs here`,
      exitCode: ExitCode.config,
    });
  });

  it('fails with exit 3 when no supervisor is found, naming where it looked', () => {
    expect(failure(lookup())).toEqual({
      message: `no running supervisor found in ${stateDir}; name a log file with --file, or start the supervisor with --log-file`,
      exitCode: ExitCode.notRunning,
    });
    supervisor('api', livePid(), '/var/log/api.log');
    expect(failure(lookup({ name: 'chat' })).message).toMatch(/^no running supervisor named chat found in /);
  });
});
