// The bare alternative: `while :; do node server.js; done` in sh, restarting at once.
import { spawn } from 'node:child_process';

/**
 * Runs `command…` in a shell loop in its own process group. The command is passed as
 * positional parameters, never pasted into the script.
 */
export function startShellLoop(ctx, { command, env = {} }) {
  const loop = spawn('sh', ['-c', 'while :; do "$@"; done', 'sh', ...command], {
    env: { ...ctx.env, ...env },
    stdio: 'ignore',
    detached: true,
  });
  const closed = new Promise((resolve) => loop.once('close', resolve));
  return {
    pid: loop.pid,
    async stop() {
      try {
        process.kill(-loop.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await closed;
    },
  };
}
