import { chownSync, lchownSync } from 'node:fs';

/**
 * The local user the tests play a hostile one with: `nobody` (uid and gid 65534 on Debian).
 * Playing another user takes root (chown, setuid): the tests that do run as root, as CI does.
 */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/** Fails, never skips, a test that needs root to play another user. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`this test needs root (it is uid ${process.getuid?.()}): it plays another local user, uid ${NOBODY.uid}, with chown and setuid; run it as root, as CI does`);
  }
}

/** Gives `path` to nobody, as if nobody had made it; a symlink itself, not what it points to. */
export function giveToNobody(path: string, { symlink = false }: { symlink?: boolean } = {}): void {
  (symlink ? lchownSync : chownSync)(path, NOBODY.uid, NOBODY.gid);
}
