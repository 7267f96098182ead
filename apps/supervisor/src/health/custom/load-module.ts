import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CheckModuleError, moduleCheck, type HealthChecker } from '@mpm/health';
import type { ModuleCheck } from '@mpm/config';
import { specOf } from './check-spec.js';

/** How long a module's factory may take to make its HealthChecker. */
const FACTORY_TIMEOUT_MS = 10_000;

/** Why a module check cannot be used: one line that names the file and what is wrong. */
export class CheckLoadError extends Error {
  override readonly name = 'CheckLoadError';
}

/**
 * Imports a check module and makes its HealthChecker: the default export is one, or a
 * function of the check's `options` that returns one (or a promise of one). Its shape is
 * checked at once (moduleCheck). The file is imported afresh when it changed since the
 * last import (a reload picks up an edited check; what it imports itself is not read
 * again). Throws a CheckLoadError; never a stack trace.
 */
export async function loadModuleCheck(check: ModuleCheck): Promise<HealthChecker> {
  const file = check.module;
  let mtime: number;
  try {
    mtime = statSync(file).mtimeMs;
  } catch (error) {
    throw new CheckLoadError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const url = pathToFileURL(file);
  url.searchParams.set('mtime', String(mtime));
  let loaded: { default?: unknown };
  try {
    loaded = (await import(url.href)) as { default?: unknown };
  } catch (error) {
    throw new CheckLoadError(`${file} could not be loaded: ${firstLine(error)}`);
  }
  if (loaded.default === undefined) throw new CheckLoadError(`${file} has no default export (export default a HealthChecker, or a function that returns one)`);
  let candidate: unknown = loaded.default;
  if (typeof candidate === 'function') {
    try {
      candidate = await withTimeout((candidate as (options: unknown) => unknown)(structuredClone(check.options)), FACTORY_TIMEOUT_MS);
    } catch (error) {
      throw new CheckLoadError(`${file}: its default export, called with the check's options, failed: ${firstLine(error)}`);
    }
  }
  try {
    return moduleCheck(specOf(check), candidate);
  } catch (error) {
    if (error instanceof CheckModuleError) throw new CheckLoadError(`${file}: ${error.message}`);
    throw error;
  }
}

function withTimeout<T>(value: T | Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not finish within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([Promise.resolve(value), late]).finally(() => clearTimeout(timer));
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.split('\n')[0]?.trim().slice(0, 300) || 'an error without a message';
}
