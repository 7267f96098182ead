import { describe, expect, it } from '@jest/globals';
import { addressOf } from '../src/forensics/inspector-port.js';
import { decodeAddress } from '../src/forensics/proc-net-tcp.js';
import { isLoopback, listeningSockets, parseListening } from '../src/forensics/proc-sockets.js';
import { describeSyscall } from '../src/forensics/syscall-names.js';
import { readProcState } from '../src/forensics/proc-state.js';
import { createServer } from 'node:net';

// Real lines of /proc/PID/net/tcp and tcp6 (a demo server on 40917 and its inspector on 35395).
const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:9FD5 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 15988 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:8A43 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 16001 1 0000000000000000 100 0 0 10 0',
  // Someone else's listener: same namespace, not this process's inode.
  '   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99999 1 0000000000000000 100 0 0 10 0',
  // This process's connection, not a listener (st 01).
  '   3: 0100007F:9FD5 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 16002 1 0000000000000000 20 4 30 10 -1',
  'garbage',
  '',
].join('\n');
const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17000 1 0000000000000000 100 0 0 10 0',
  '   1: 0000000000000000FFFF00000100007F:2329 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17001 1 0000000000000000 100 0 0 10 0',
  '   2: 00000000000000000000000000000000:232A 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17002 1 0000000000000000 100 0 0 10 0',
].join('\n');

describe('/proc/net/tcp', () => {
  it("lists the process's own listening sockets, by inode, and nothing else", () => {
    expect(parseListening(TCP, new Set(['15988', '16001', '16002']))).toEqual([
      { address: '127.0.0.1', port: 40917, inode: '15988' },
      { address: '127.0.0.1', port: 35395, inode: '16001' },
    ]);
    expect(parseListening(TCP, new Set())).toEqual([]);
    expect(parseListening('', new Set(['15988']))).toEqual([]);
  });

  it('reads IPv6 addresses, IPv4-mapped ones and the wildcard', () => {
    expect(parseListening(TCP6, new Set(['17000', '17001', '17002']))).toEqual([
      { address: '::1', port: 9000, inode: '17000' },
      { address: '::ffff:127.0.0.1', port: 9001, inode: '17001' },
      { address: '::', port: 9002, inode: '17002' },
    ]);
    expect(decodeAddress('0000000000000000000000000000000G')).toBeUndefined();
    expect(decodeAddress('0100007F00')).toBeUndefined();
    expect(decodeAddress('000080FE00000000FFFFFFFF01020304')).toBe('fe80::ffff:ffff:403:201');
  });

  it('tells loopback from the rest', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1'].some(isLoopback)).toBe(false);
  });

  it('connects to a loopback or wildcard inspector over loopback, and to no other address', () => {
    expect(addressOf([{ address: '::ffff:127.0.0.1', port: 1, inode: '1' }])).toEqual({ host: '127.0.0.1', port: 1 });
    expect(
      addressOf([
        { address: '10.0.0.1', port: 2, inode: '2' },
        { address: '127.0.0.1', port: 3, inode: '3' },
      ]),
    ).toEqual({ host: '127.0.0.1', port: 3 });
    expect(addressOf([{ address: '0.0.0.0', port: 4, inode: '4' }])).toEqual({ host: '127.0.0.1', port: 4 });
    expect(addressOf([{ address: '::', port: 5, inode: '5' }])).toEqual({ host: '::1', port: 5 });
    expect(() => addressOf([{ address: '10.0.0.1', port: 6, inode: '6' }])).toThrow('the new listening socket is on 10.0.0.1:6, not on loopback: not connecting to it');
  });

  it("finds this process's own listening socket through /proc", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      expect(listeningSockets(process.pid)).toContainEqual(expect.objectContaining({ address: '127.0.0.1', port }));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(listeningSockets(2 ** 22 + 1)).toEqual([]);
  });
});

describe('/proc/PID/syscall and the state', () => {
  it('names the common blocking calls on x64 and arm64, and shows others by number', () => {
    expect(describeSyscall('281 0x12 0x7fff14e8fb80 0x400 0xffffffff 0x0 0x8 0x7fff14e8ee20 0x7f0be2326cae\n', 'x64')).toBe('epoll_pwait (281)');
    expect(describeSyscall('22 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0', 'arm64')).toBe('epoll_pwait (22)');
    expect(describeSyscall('999 0x0', 'x64')).toBe('#999');
    expect(describeSyscall('202 0x0', 'riscv64')).toBe('#202');
    expect(describeSyscall('running\n')).toBe('running');
    expect(describeSyscall('-1 0x7ffd 0x7f00\n')).toBe('none (blocked outside a system call)');
    expect(describeSyscall('\u001b[2J')).toBeUndefined();
  });

  it("reads a live process's state, and nothing for one that is gone", () => {
    const state = readProcState(process.pid);
    expect(state?.state).toMatch(/^[RS] \((running|sleeping)\)$/);
    expect(readProcState(2 ** 22 + 1)).toBeUndefined();
  });
});
