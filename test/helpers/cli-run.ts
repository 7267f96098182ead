import { spawn } from 'node:child_process';
import { cliPath, repoRoot } from './supervisor.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the MPM_* settings of whoever runs the tests, plus `extra` (undefined removes a variable). */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MPM_')) env[key] = value;
  return { ...env, ...extra };
}

/**
 * Runs `mpm-supervise …` (status, logs; the one-file build) to its end, under `launcher`
 * when given (a pseudo-terminal); killed and rejected at the deadline, so that a command
 * that hangs fails the test. A variable `env` sets to undefined is not passed on.
 */
export function runCli(args: readonly string[], { env = {}, timeoutMs = 20_000, launcher = [] }: { env?: NodeJS.ProcessEnv; timeoutMs?: number; launcher?: readonly string[] } = {}): Promise<CliRun> {
  const [command, ...rest] = [...launcher, process.execPath, cliPath, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, rest, { cwd: repoRoot, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
