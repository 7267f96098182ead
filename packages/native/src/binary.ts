import { fileURLToPath } from 'node:url';

/**
 * Where the compiled module is. The one-file build replaces this module with one that
 * returns the module's bytes, embedded in the bundle (see apps/supervisor/scripts/bundle.mjs).
 */
export type NativeBinary = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'embedded'; readonly bytes: Uint8Array } | { readonly kind: 'missing'; readonly reason: string };

export function nativeBinary(): NativeBinary {
  return { kind: 'file', path: fileURLToPath(new URL('../build/mpm_native.node', import.meta.url)) };
}
