import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cgroupMemoryMaxMb } from '../src/recovery/cgroup-memory.js';

const root = mkdtempSync(join(tmpdir(), 'mpm-cgroup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(path: string, text: string): string {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return full;
}

describe('cgroupMemoryMaxMb', () => {
  it("takes cgroup v2's lowest memory.max from the process's group up to the root", () => {
    const self = file('v2/self-cgroup', '0::/system.slice/chat.service\n');
    file('v2/fs/system.slice/chat.service/memory.max', 'max\n');
    file('v2/fs/system.slice/memory.max', `${768 * 1024 * 1024}\n`);
    expect(cgroupMemoryMaxMb(self, join(root, 'v2/fs'))).toBe(768);
  });

  it("reads cgroup v1's memory.limit_in_bytes, where a number near 2^63 means no limit", () => {
    const self = file('v1/self-cgroup', '9:pids:/\n4:memory:/docker/abc\n0::/\n');
    file('v1/fs/memory/memory.limit_in_bytes', '9223372036854771712\n');
    expect(cgroupMemoryMaxMb(self, join(root, 'v1/fs'))).toBeNull();
    file('v1/fs/memory/docker/abc/memory.limit_in_bytes', `${512 * 1024 * 1024}\n`);
    expect(cgroupMemoryMaxMb(self, join(root, 'v1/fs'))).toBe(512);
  });

  it('is null without a cgroup file or a limit', () => {
    expect(cgroupMemoryMaxMb(join(root, 'nope'), root)).toBeNull();
    expect(cgroupMemoryMaxMb(file('none/self-cgroup', '0::/\n'), join(root, 'none/fs'))).toBeNull();
  });
});
