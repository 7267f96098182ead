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
    builder.onResolve({ filter: /^\.\/binary\.js$/ }, (args) => (args.importer.includes(join('packages', 'native')) ? { path: 'embedded-native-binary', namespace: 'mpm-native' } : undefined));
    builder.onLoad({ filter: /.*/, namespace: 'mpm-native' }, () => ({
      resolveDir: dirname(nativeModule),
      loader: 'js',
      contents: existsSync(nativeModule)
        ? `import bytes from ${JSON.stringify(nativeModule)};\nexport function nativeBinary() { return { kind: 'embedded', bytes }; }\n`
        : `export function nativeBinary() { return { kind: 'missing', reason: 'this build has no native helper (no C compiler when it was made)' }; }\n`,
    }));
  },
};

/**
 * Code the supervisor never runs, left out of the file (every byte of it would be parsed
 * at each start and held in memory for as long as the supervisor runs):
 * - zod's error messages in 60-odd languages (350 KB), reachable through `z.locales`; only
 *   English, zod's default, is ever used.
 * - @opentelemetry/api, which prom-client loads for one thing: trace ids on exemplars of its
 *   default CPU metric, with exemplars off here. Without a tracer it finds no span either.
 */
const leaveOut = {
  name: 'leave-out',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export { default as en } from "./en.js";\n', loader: 'js' }));
    builder.onResolve({ filter: /^@opentelemetry\/api$/ }, () => ({ path: 'opentelemetry-api', namespace: 'left-out' }));
    builder.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({
      contents: 'module.exports = { trace: { getSpan: () => undefined }, context: { active: () => undefined } };\n',
      loader: 'js',
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
  plugins: [embedNative, leaveOut],
  // Without comments and blank space the file is a third smaller and pure ASCII, so V8 keeps
  // its source (needed as long as the process runs) at one byte a character, not two. With
  // leaveOut, the supervisor's RSS goes from 67 to 60 MB. Names are kept, so that a stack
  // trace still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
});
