import { describeSource, redactConfig, type Finding, type LoadOutcome } from '@mpm/config';
import { ExitCode } from './exit-codes.js';

export interface CommandOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/**
 * `config print`: the effective config as JSON on stdout, secrets redacted; with
 * `sources`, also where each value came from. Warnings go to stderr so that stdout
 * stays JSON a program can read.
 */
export function printConfig(outcome: LoadOutcome, sources: boolean, output: CommandOutput): ExitCode {
  for (const warning of outcome.warnings) output.writeErr(`mpm-supervise: warning: ${warning.message}\n`);
  if (!outcome.ok) {
    for (const error of outcome.errors) output.writeErr(`mpm-supervise: ${error.message}\n`);
    return ExitCode.config;
  }
  const config = redactConfig(outcome.loaded.config);
  const body = sources ? { config, sources: Object.fromEntries([...outcome.loaded.sources].map(([path, source]) => [path, describeSource(source)])) } : config;
  output.writeOut(`${JSON.stringify(body, null, 2)}\n`);
  return ExitCode.ok;
}

/**
 * `config validate`: every finding on its own line, then a verdict. Exit 0 when the
 * supervisor would start (perhaps with corrected values), 78 when it would refuse.
 */
export function validateConfig(outcome: LoadOutcome, output: CommandOutput): ExitCode {
  const findings: Finding[] = outcome.ok ? [...outcome.warnings] : [...outcome.warnings, ...outcome.errors];
  for (const finding of findings) output.writeOut(`${finding.severity}: ${finding.message}\n`);
  const file = (outcome.ok ? outcome.loaded.file : outcome.file) ?? 'the config (defaults and environment, no file)';
  const warnings = count(total(outcome.warnings), 'warning');
  if (outcome.ok) {
    output.writeOut(`${file}: valid${outcome.warnings.length === 0 ? '' : `, with ${warnings} (corrected values are used, unknown keys ignored)`}\n`);
    return ExitCode.ok;
  }
  output.writeOut(`${file}: invalid: ${count(total(outcome.errors), 'error')}, ${warnings}\n`);
  return ExitCode.config;
}

/** How many findings there were, those a summary stands for included. */
function total(findings: readonly Finding[]): number {
  return findings.reduce((sum, finding) => sum + (finding.omitted ?? 1), 0);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
