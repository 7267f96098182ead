// The one-file build: apps/supervisor/bundle/mpm-supervise.mjs, runnable with plain
// `node` and nothing next to it (no node_modules), for systemd's ExecStart= and container
// images. The native helper (@mpm/native) travels inside it as bytes and is written to
// a private folder when it is first needed.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const app = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeModule = resolve(app, '../../packages/native/build/mpm_native.node');
const { version } = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
const outfile = join(app, 'bundle', 'mpm-supervise.mjs');

/** Swaps @mpm/native's "where is the module" for one that carries the module itself. */
const embedNative = {
  name: 'embed-native',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/binary\.js$/ }, (args) =>
      args.importer.includes(join('packages', 'native')) ? { path: 'embedded-native-binary', namespace: 'mpm-native' } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'mpm-native' }, () => ({
      resolveDir: dirname(nativeModule),
      loader: 'js',
      contents: existsSync(nativeModule)
        ? `import bytes from ${JSON.stringify(nativeModule)};\nexport function nativeBinary() { return { kind: 'embedded', bytes }; }\n`
        : `export function nativeBinary() { return { kind: 'missing', reason: 'this build has no native helper (no C compiler when it was made)' }; }\n`,
    }));
  },
};

await build({
  entryPoints: [join(app, 'dist', 'cli.js')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // jsonc-parser's "main" is a UMD build that loads its parts with require() at run time.
  mainFields: ['module', 'main'],
  // CommonJS dependencies (winston, commander, …) call require() for Node's own modules.
  banner: { js: "import { createRequire as __mpmCreateRequire } from 'node:module';\nconst require = __mpmCreateRequire(import.meta.url);" },
  define: { MPM_BUNDLED_VERSION: JSON.stringify(version) },
  loader: { '.node': 'binary' },
  // ws (under socket.io-client) tries these optional native speed-ups and does without.
  external: ['bufferutil', 'utf-8-validate'],
  plugins: [embedNative],
  legalComments: 'none',
  logLevel: 'warning',
});
