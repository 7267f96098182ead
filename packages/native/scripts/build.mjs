// Compiles src/mpm_native.c into build/mpm_native.node with the system C compiler and
// the headers of the Node that runs this script. Two system calls need no node-gyp.
// Without a compiler the build goes on with a warning: the supervisor then runs without
// PID 1 reaping and the systemd notify protocol, and says so when they are needed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'mpm_native.c');
const output = join(root, 'build', 'mpm_native.node');

function headerDir() {
  const candidates = [process.env.MPM_NODE_HEADERS, resolve(process.execPath, '..', '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  return candidates.find((dir) => dir !== undefined && existsSync(join(dir, 'node_api.h')));
}

function upToDate() {
  return existsSync(output) && statSync(output).mtimeMs >= Math.max(statSync(source).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
}

if (process.platform !== 'linux') {
  console.warn('@mpm/native: not Linux; PID 1 reaping and systemd notify are left out');
  process.exit(0);
}
if (!upToDate()) {
  const headers = headerDir();
  if (headers === undefined) {
    console.warn("@mpm/native: Node's headers (node_api.h) not found; set MPM_NODE_HEADERS. PID 1 reaping and systemd notify are left out");
    process.exit(0);
  }
  mkdirSync(dirname(output), { recursive: true });
  const temporary = `${output}.${process.pid}.tmp`;
  const compiler = process.env.CC ?? 'cc';
  try {
    execFileSync(compiler, ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=mpm_native', `-I${headers}`, '-o', temporary, source], { stdio: 'inherit' });
  } catch (error) {
    console.warn(`@mpm/native: ${compiler} failed (${error.message.split('\n')[0]}); PID 1 reaping and systemd notify are left out`);
    process.exit(0);
  }
  renameSync(temporary, output);
}
