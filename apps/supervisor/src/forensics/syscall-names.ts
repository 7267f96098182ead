/**
 * Names of the system calls a blocked process is most often found in, by number, for the
 * two architectures this runs on; /proc/PID/syscall gives only the number. Others are
 * shown by number.
 */
const X64: Readonly<Record<number, string>> = {
  0: 'read',
  1: 'write',
  2: 'open',
  7: 'poll',
  17: 'pread64',
  19: 'readv',
  23: 'select',
  34: 'pause',
  35: 'nanosleep',
  42: 'connect',
  43: 'accept',
  44: 'sendto',
  45: 'recvfrom',
  47: 'recvmsg',
  61: 'wait4',
  73: 'flock',
  74: 'fsync',
  128: 'rt_sigtimedwait',
  130: 'rt_sigsuspend',
  202: 'futex',
  230: 'clock_nanosleep',
  232: 'epoll_wait',
  247: 'waitid',
  257: 'openat',
  270: 'pselect6',
  271: 'ppoll',
  281: 'epoll_pwait',
  288: 'accept4',
  441: 'epoll_pwait2',
};

/** arm64 has the generic numbering (asm-generic/unistd.h). */
const ARM64: Readonly<Record<number, string>> = {
  22: 'epoll_pwait',
  32: 'flock',
  56: 'openat',
  63: 'read',
  64: 'write',
  65: 'readv',
  67: 'pread64',
  72: 'pselect6',
  73: 'ppoll',
  82: 'fsync',
  95: 'waitid',
  98: 'futex',
  101: 'nanosleep',
  115: 'clock_nanosleep',
  133: 'rt_sigsuspend',
  137: 'rt_sigtimedwait',
  202: 'accept',
  203: 'connect',
  206: 'sendto',
  207: 'recvfrom',
  212: 'recvmsg',
  242: 'accept4',
  260: 'wait4',
  441: 'epoll_pwait2',
};

const TABLES: Readonly<Record<string, Readonly<Record<number, string>>>> = { x64: X64, arm64: ARM64 };

/**
 * The first line of /proc/PID/syscall in words: `epoll_pwait (281)`, `running`, or
 * `none (blocked outside a system call)` for the kernel's -1; undefined for text that
 * is none of these.
 */
export function describeSyscall(text: string, arch: string = process.arch): string | undefined {
  const first = text.trim().split(/\s+/)[0] ?? '';
  if (first === 'running') return 'running';
  if (first === '-1') return 'none (blocked outside a system call)';
  if (!/^\d{1,4}$/.test(first)) return undefined;
  const number = Number(first);
  const name = TABLES[arch]?.[number];
  return name === undefined ? `#${number}` : `${name} (${number})`;
}
