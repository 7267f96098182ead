import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { expectAllGone } from '../helpers/processes.js';
import { destroyAllSupervisors, fixturePath, SupervisorProcess, type LogRecord } from '../helpers/supervisor.js';
import { runCli, type CliRun } from '../helpers/cli-run.js';
import { waitUntil } from '../helpers/wait.js';

// A child's output (and any text that came from it) must reach a person's terminal with
// its control characters shown, never obeyed: pretty lines on stdout, `logs` and `status`,
// on a pipe and on a real pseudo-terminal (test/fixtures/in-pty.py), where our own colours
// must still work. The JSON log file and --json outputs keep the text exactly.

const DEADLINE_MS = 20_000;

/** What the child prints, and how a person must see each line. */
const HOSTILE: ReadonlyArray<readonly [raw: string, shown: string]> = [
  ['clear \u001b[2J\u001b[H screen', 'clear \\x1b[2J\\x1b[H screen'],
  ['title \u001b]0;owned\u0007 set', 'title \\x1b]0;owned\\x07 set'],
  ['colour \u001b[31m red \u001b[0m plain', 'colour \\x1b[31m red \\x1b[0m plain'],
  ['fake\rover', 'fake\\rover'],
  ['back\b\b\bspace', 'back\\x08\\x08\\x08space'],
  ['nul \u0000 soh \u0001 vt \u000b ff \u000c del \u007f', 'nul \\x00 soh \\x01 vt \\x0b ff \\x0c del \\x7f'],
  ['c1 csi \u009b2J and nel \u0085 end', 'c1 csi \\u009b2J and nel \\u0085 end'],
  ['bidi \u202eevil\u202c and \u2066iso\u2069 end', 'bidi \\u202eevil\\u202c and \\u2066iso\\u2069 end'],
  ['tab\tstays', 'tab\tstays'],
];
const IPC_TYPE = 'mpm:\u001b]0;ipc owned\u0007\u009b2J';
const IPC_TYPE_SHOWN = 'mpm:\\x1b]0;ipc owned\\x07\\u009b2J';
const hostileEnv = { HOSTILE_LINES: JSON.stringify(HOSTILE.map(([raw]) => raw)), HOSTILE_IPC_TYPE: IPC_TYPE, TERM: 'xterm-256color' };
/** A command-line argument that `status` shows in its details. */
const HOSTILE_ARG = 'arg\u001b[2J\u009b\u202e';
const HOSTILE_ARG_SHOWN = 'arg\\x1b[2J\\u009b\\u202e';

/** Every character a terminal would act on, but tab and newline. */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;
const codes = (text: string): string[] => [...text.matchAll(CONTROLS)].map((match) => `U+${match[0].codePointAt(0)!.toString(16).padStart(4, '0')}`);

/** The lines with the colour of their level (`\x1b[32minfo \x1b[39m` after the time) taken out. */
function withoutLevelColours(text: string): { plain: string; coloured: number } {
  let coloured = 0;
  const plain = text
    .split('\n')
    .map((line) =>
      line.replace(/^(\d\d:\d\d:\d\d\.\d{3} )\u001b\[\d+m([a-z]+ *)\u001b\[39m/, (_, time: string, level: string) => {
        coloured += 1;
        return time + level;
      }),
    )
    .join('\n');
  return { plain, coloured };
}

/** Runs `mpm-supervise <args>` to its end, on a pipe or on a pseudo-terminal, colours left to the terminal. */
function cli(args: readonly string[], { tty = false } = {}): Promise<CliRun> {
  return runCli(args, {
    env: { TERM: 'xterm-256color', NO_COLOR: undefined, FORCE_COLOR: undefined },
    timeoutMs: DEADLINE_MS,
    launcher: tty ? ['python3', fixturePath('in-pty.py')] : [],
  });
}

async function waitForRaw(supervisor: SupervisorProcess, text: string): Promise<void> {
  await waitUntil(() => supervisor.stdout.includes(text), { timeoutMs: DEADLINE_MS, what: `${JSON.stringify(text)} on stdout; stdout so far: ${supervisor.stdout.slice(-500)}` });
}

/** Waits until the child has said all and the supervisor has warned about its IPC message. */
async function waitForHostileOutput(supervisor: SupervisorProcess, shown: (text: string) => string): Promise<void> {
  await waitForRaw(supervisor, shown('hostile done'));
  await waitForRaw(supervisor, shown(HOSTILE.at(-1)![1]));
  await waitForRaw(supervisor, 'ignored an invalid');
}

describe("the supervisor's pretty lines", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mpm-terminal-'));
  });
  afterEach(async () => {
    await destroyAllSupervisors();
    rmSync(dir, { recursive: true, force: true });
  });

  it("show the child's control characters as visible escapes; the log file keeps its text exactly", async () => {
    const logFile = join(dir, 'app.log');
    const supervisor = new SupervisorProcess(['--log-format', 'pretty', '--log-file', logFile, '--', 'node', fixturePath('hostile-output.mjs')], { env: hostileEnv });
    await waitForHostileOutput(supervisor, (text) => text);
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);

    expect(codes(supervisor.stdout)).toEqual([]);
    for (const stream of ['out', 'err']) {
      for (const [, shown] of HOSTILE) expect(supervisor.rawLines.filter((line) => line.endsWith(` ${stream}  ${shown}`) || line.endsWith(` ${stream} ${shown}`))).toHaveLength(1);
    }
    const warning = supervisor.rawLines.find((line) => line.includes('ignored an invalid'))!;
    expect(warning).toContain(`ignored an invalid ${IPC_TYPE_SHOWN} message from the child`);
    // A quoted field value is a JSON string, with JSON's escapes for C0 and ours for the rest.
    expect(warning).toContain('type="mpm:\\u001b]0;ipc owned\\u0007\\u009b2J"');

    // The file is for machines: JSON with the child's text exactly as it came.
    const records = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogRecord);
    const raws = HOSTILE.map(([raw]) => raw);
    for (const stream of ['stdout', 'stderr']) {
      expect(records.filter((record) => record.source === 'child' && record['stream'] === stream && record.message !== 'hostile done').map((record) => record.message)).toEqual(raws);
    }
    expect(records.find((record) => record['event'] === 'ipc_message_invalid')).toMatchObject({ type: IPC_TYPE });
  });

  it('on a terminal, keep their coloured levels and let nothing of the child reach it raw', async () => {
    const supervisor = new SupervisorProcess(['--', 'node', fixturePath('hostile-output.mjs')], {
      env: hostileEnv,
      launcher: ['python3', fixturePath('in-pty.py')],
    });
    await waitForHostileOutput(supervisor, (text) => text);
    supervisor.signal('SIGTERM');
    expect((await supervisor.waitForExit()).code).toBe(0);

    const { plain, coloured } = withoutLevelColours(supervisor.stdout);
    // Every line starts with a coloured level; nothing else carries a control character.
    expect(coloured).toBe(supervisor.stdout.split('\n').filter(Boolean).length);
    expect(codes(plain)).toEqual([]);
    for (const [, shown] of HOSTILE) expect(plain).toContain(shown);
    expect(plain).toContain(IPC_TYPE_SHOWN);
  });
});

describe('`logs` and `status` over a supervisor of a hostile child', () => {
  let shared: string;
  let logFile: string;
  let stateDir: string;
  let supervisor: SupervisorProcess;
  let childPid: number;
  beforeAll(async () => {
    shared = mkdtempSync(join(tmpdir(), 'mpm-terminal-shared-'));
    logFile = join(shared, 'app.log');
    supervisor = new SupervisorProcess(['--log-file', logFile, '--name', 'hostile', '--', 'node', fixturePath('hostile-output.mjs'), HOSTILE_ARG], { env: hostileEnv });
    await supervisor.waitForEvent('status_server_listening');
    await supervisor.waitForEvent('ipc_message_invalid');
    const done = await supervisor.waitForRecord((record) => record.message === 'hostile done', { what: 'the child to finish' });
    childPid = Number(done['pid']);
    await supervisor.waitForRecord((record) => record.message === HOSTILE.at(-1)![0] && record['stream'] === 'stderr', { what: 'the last line on stderr' });
    stateDir = supervisor.stateDir!;
    // A line in the file that is no record (written by something else) is shown as it is, but as visibly.
    await waitUntil(() => readFileSync(logFile, 'utf8').includes('hostile done'), { what: 'the child lines in the log file' });
  }, 60_000);
  afterAll(async () => {
    await destroyAllSupervisors();
    await expectAllGone([childPid].filter(Boolean));
    rmSync(shared, { recursive: true, force: true });
  });

  it('`logs` on a pipe shows every control character visibly', async () => {
    appendFileSync(logFile, 'not a record \u001b[2J\u009b\u202e\n');
    const { code, stdout, stderr } = await cli(['logs', '-n', '100', '--file', logFile]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(codes(stdout)).toEqual([]);
    for (const [, shown] of HOSTILE) expect(stdout).toContain(`out ${shown}\n`);
    expect(stdout).toContain(IPC_TYPE_SHOWN);
    expect(stdout).toContain('not a record \\x1b[2J\\u009b\\u202e\n');
  });

  it('`logs --json` gives the lines exactly as in the file', async () => {
    const { code, stdout } = await cli(['logs', '-n', '100', '--json', '--file', logFile]);
    expect(code).toBe(0);
    const file = readFileSync(logFile, 'utf8');
    expect(file.endsWith(stdout)).toBe(true);
    expect(stdout).toContain('\u009b');
    expect(stdout).toContain('\u202e');
  });

  it('`logs` on a terminal keeps its coloured levels and shows the rest visibly', async () => {
    const { code, stdout } = await cli(['logs', '-n', '100', '--file', logFile], { tty: true });
    expect(code).toBe(0);
    const { plain, coloured } = withoutLevelColours(stdout);
    expect(coloured).toBeGreaterThan(20);
    expect(codes(plain)).toEqual([]);
    for (const [, shown] of HOSTILE) expect(plain).toContain(`out ${shown}\n`);
  });

  it('`status` on a pipe and on a terminal shows the command line visibly, with its colours; --json keeps it exact', async () => {
    const piped = await cli(['status', '--state-dir', stateDir]);
    expect(piped.code).toBe(0);
    expect(codes(piped.stdout)).toEqual([]);
    expect(piped.stdout).toContain(`hostile-output.mjs ${HOSTILE_ARG_SHOWN}\n`);

    const onTty = await cli(['status', '--state-dir', stateDir], { tty: true });
    expect(onTty.code).toBe(0);
    // Our colours: the status words, each closed with a reset.
    expect(onTty.stdout).toMatch(/\u001b\[32mrunning\u001b\[0m/);
    expect(codes(onTty.stdout.replaceAll(/\u001b\[(?:2|3[123]|0)m/g, ''))).toEqual([]);
    expect(onTty.stdout).toContain(`hostile-output.mjs ${HOSTILE_ARG_SHOWN}\n`);

    const json = await cli(['status', '--json', '--state-dir', stateDir]);
    expect(json.code).toBe(0);
    const [row] = JSON.parse(json.stdout) as Array<{ diagnostics: { child: { args: string[] } } }>;
    expect(row!.diagnostics.child.args.at(-1)).toBe(HOSTILE_ARG);
    expect(json.stdout).toContain(JSON.stringify(HOSTILE_ARG));
  });
});
