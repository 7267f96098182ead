import { loadNative } from '@mpm/native';

/**
 * Whether processes that leave the child's process group come back to the supervisor
 * when their parent dies, so that a stop can end them (and their exit can be collected):
 * as PID 1 they always do; elsewhere once the supervisor is a child subreaper.
 */
export type Adoption = { readonly kind: 'pid1' } | { readonly kind: 'subreaper' } | { readonly kind: 'none'; readonly reason: string };

export function adoptDescendants(pid: number = process.pid): Adoption {
  if (pid === 1) return { kind: 'pid1' };
  const native = loadNative();
  if (!native.ok) return { kind: 'none', reason: native.reason };
  try {
    native.bindings.subreaper();
    return { kind: 'subreaper' };
  } catch (error) {
    return { kind: 'none', reason: `prctl(PR_SET_CHILD_SUBREAPER) failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
