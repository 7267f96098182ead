// `pnpm demo [block|leak|crash]`: mpm-supervise over the demo server, checking every
// second, and a short guide to what to look at and how to break the server, so that a
// newcomer sees a recovery within a minute. Every setting is an MPM_* default that the
// environment may override (tests run it on free ports).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// The supervisor's own rule for where its state file goes (built by `pnpm build`).
import { stateDirFor } from '../../supervisor/dist/state/state-file.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'apps/supervisor/dist/cli.js');
const server = join(root, 'apps/demo-server/dist/main.js');

/** Faults the demo server can start with (its DEMO_* switches). */
const FAULTS = {
  none: {},
  block: { DEMO_BLOCK_AFTER_MS: '15000' },
  leak: { DEMO_LEAK_MB_PER_SEC: '40' },
  crash: { DEMO_CRASH_AFTER_MS: '15000' },
};
const fault = process.argv[2] ?? 'none';
if (!(fault in FAULTS)) {
  process.stderr.write(`demo: unknown fault "${fault}"; choose one of ${Object.keys(FAULTS).join(', ')}\n`);
  process.exit(64);
}

const env = {
  MPM_NAME: 'demo',
  MPM_CHILD_PORT: '3000',
  MPM_HEALTH_CHECK_INTERVAL_MS: '1s',
  MPM_LOG_FILE: join(tmpdir(), 'mpm-supervise-demo', 'demo.log'),
  ...FAULTS[fault],
  ...process.env,
};
const supervisor = spawn(process.execPath, [cli, '--', process.execPath, server], { env, stdio: 'inherit' });

// Ctrl-C reaches the supervisor too (same process group): it stops the server, we wait.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => supervisor.kill('SIGTERM'));
supervisor.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));

const show = (path) => relative(process.cwd(), path) || '.';
const mpm = `node ${show(cli)}`;

/** The state file says where the status server is; /diagnostics says which pid the server has. */
async function guide() {
  const stateDir = stateDirFor(env.MPM_STATE_DIR ?? null, env);
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const state = readJson(join(stateDir, `${env.MPM_NAME}.json`));
    if (state?.pid === supervisor.pid && state.http !== null) {
      const diagnostics = await getJson(`${state.http.url}/diagnostics`);
      const child = diagnostics?.child;
      if (typeof child?.pid === 'number' && diagnostics.health?.latest?.readiness === 'ready') return print(state, child.pid);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}

function print(state, childPid) {
  const url = state.http.url;
  const row = (label, command, note = '') => `  ${label.padEnd(12)}  ${note === '' ? command : `${command.padEnd(44)}  ${note}`}`;
  const lines = [
    '',
    `── demo: mpm-supervise (pid ${state.pid}) watches the demo server (pid ${childPid}, port ${env.MPM_CHILD_PORT}) every second ──`,
    row('dashboard', `${url}/`, '# open it in a browser: live charts, checks, timeline'),
    row('health', `curl -s ${url}/health`, '# also /health/ready /diagnostics /metrics /events'),
    row('at a glance', `${mpm} status`),
    row('its log', `${mpm} logs -f`, `# ${state.logFile}`),
    row('break it', `kill -STOP ${childPid}`, '# freezes the server: restarted within ~15 s'),
    row('', `kill -9 ${childPid}`, '# kills it: restarted at once'),
    row('', 'pnpm demo block', '# (instead of pnpm demo) its event loop blocks 15 s after each start'),
    row('stop', 'Ctrl-C'),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function getJson(url) {
  const headers = env.MPM_HTTP_TOKEN ? { authorization: `Bearer ${env.MPM_HTTP_TOKEN}` } : {};
  return new Promise((done) => {
    const request = get(url, { headers, timeout: 2000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        try {
          done(JSON.parse(body));
        } catch {
          done(undefined);
        }
      });
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => done(undefined));
  });
}

void guide();
