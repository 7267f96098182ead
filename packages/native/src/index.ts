import { nativeBinary } from './binary.js';
import { extractModule } from './extract.js';

/** How an adopted process ended: an exit code, or the number of the signal that ended it. */
export interface ReapedStatus {
  readonly code: number | null;
  readonly signal: number | null;
}

/** The module's functions (src/mpm_native.c). */
export interface NativeBindings {
  /** waitpid(pid, WNOHANG): null while it runs or when it is not this process's child. */
  reap(pid: number): ReapedStatus | null;
  /** One datagram to an AF_UNIX socket path ("@name": the abstract namespace). Throws with an errno `code`. */
  notify(socketPath: string, message: string): void;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants come to this process. Throws with an errno `code`. */
  subreaper(): void;
}

export type NativeLoad = { readonly ok: true; readonly bindings: NativeBindings } | { readonly ok: false; readonly reason: string };

let loaded: NativeLoad | undefined;

/** Loads the module once; a failure is kept and returned with its reason, never thrown. */
export function loadNative(): NativeLoad {
  loaded ??= load();
  return loaded;
}

function load(): NativeLoad {
  if (process.platform !== 'linux') return { ok: false, reason: `not available on ${process.platform}` };
  const binary = nativeBinary();
  try {
    let path: string;
    switch (binary.kind) {
      case 'missing':
        return { ok: false, reason: binary.reason };
      case 'file':
        path = binary.path;
        break;
      case 'embedded':
        path = extractModule(binary.bytes);
        break;
    }
    const module = { exports: {} as NativeBindings };
    process.dlopen(module, path);
    return { ok: true, bindings: module.exports };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `the native helper did not load (${message}); run pnpm build with a C compiler` };
  }
}
