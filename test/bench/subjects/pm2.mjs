// PM2, as its users run it: the pm2 CLI (devDependency) with a private PM2_HOME, so that
// nothing of a user's own PM2 is touched and everything is removed afterwards.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paths } from '../lib/paths.mjs';
import { waitFor } from '../lib/wait.mjs';

export const PM2_VERSION = JSON.parse(readFileSync(`${paths.root}node_modules/pm2/package.json`, 'utf8')).version;

export class Pm2 {
  #env;
  #home;

  constructor(ctx, env = {}) {
    this.#home = mkdtempSync(join(tmpdir(), 'mpm-bench-pm2-'));
    this.#env = { ...ctx.env, ...env, PM2_HOME: this.#home, PM2_DISCRETE_MODE: 'true' };
  }

  get home() {
    return this.#home;
  }

  /** Runs one pm2 command; its stdout, or an error with what it printed. */
  cli(args, env = {}) {
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [paths.pm2, ...args], { env: { ...this.#env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`pm2 ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      });
    });
  }

  /** `pm2 start script --name name [options] -- args`, fork mode; env reaches the app. */
  async start(script, { name, options = [], args = [], env = {} }) {
    await this.cli(['start', script, '--name', name, ...options, ...(args.length > 0 ? ['--', ...args] : [])], env);
  }

  /** The app as `pm2 jlist` describes it: pid, status, restarts (restart_time), when it last started (pm_uptime, epoch ms). */
  async app(name) {
    const out = await this.cli(['jlist']);
    const list = JSON.parse(out.slice(out.indexOf('[')));
    const app = list.find((entry) => entry.name === name);
    if (app === undefined) return undefined;
    return { pid: app.pid, status: app.pm2_env.status, restarts: app.pm2_env.restart_time, unstableRestarts: app.pm2_env.unstable_restarts, lastStartAt: app.pm2_env.pm_uptime };
  }

  /** The God daemon's pid, from PM2_HOME/pm2.pid. */
  daemonPid() {
    return waitFor('the PM2 daemon pid file', () => {
      try {
        return Number(readFileSync(join(this.#home, 'pm2.pid'), 'utf8'));
      } catch {
        return undefined;
      }
    });
  }

  /** Stops every app and the daemon, and removes PM2_HOME. */
  async kill() {
    try {
      await this.cli(['kill']);
    } finally {
      rmSync(this.#home, { recursive: true, force: true });
    }
  }
}
