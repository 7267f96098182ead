// ESLint over all our TypeScript and JavaScript: `pnpm lint`, part of `pnpm test`.
// Rules that need no type information. typescript-eslint's type-aware set (floating and
// misused promises) was tried: it needs a full type-check, ~50 s of CPU here against ~16 s
// without, more than CI's ten minutes can spare, and it found no floating or misused
// promise; `pnpm build` type-checks everything anyway.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/dist/', '**/node_modules/', 'apps/supervisor/bundle/', 'packages/dashboard/src/generated/', '**/coverage/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // We match terminal control characters on purpose: to escape or strip them from what we show.
      'no-control-regex': 'off',
      // A leading underscore marks a parameter an interface requires and this implementation does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The dashboard's page runs in the browser, not in Node.
    files: ['packages/dashboard/src/page/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
);
