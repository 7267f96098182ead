import type { Finding } from './findings.js';

/** Findings of one kind shown at most; a file of 40,000 unknown keys is not 40,000 log lines. */
export const MAX_FINDINGS_PER_KIND = 20;

/**
 * Keeps the first MAX_FINDINGS_PER_KIND findings of each kind (severity, code and
 * layer) and puts one finding for the rest where the first left out was:
 * "… and 39,980 more unknown keys (not shown)". Its `omitted` says how many it stands for.
 */
export function capFindings(findings: readonly Finding[]): Finding[] {
  const kinds = new Map<string, { shown: number; omitted: number; at: number; sample: Finding }>();
  const out: Array<Finding | undefined> = [];
  for (const finding of findings) {
    const kind = `${finding.severity} ${finding.code} ${finding.source?.layer ?? ''}`;
    const seen = kinds.get(kind) ?? { shown: 0, omitted: 0, at: -1, sample: finding };
    kinds.set(kind, seen);
    if (seen.shown < MAX_FINDINGS_PER_KIND) {
      seen.shown += 1;
      out.push(finding);
    } else {
      if (seen.omitted === 0) seen.at = out.push(undefined) - 1;
      seen.omitted += 1;
    }
  }
  for (const seen of kinds.values()) if (seen.omitted > 0) out[seen.at] = summary(seen.sample, seen.omitted);
  return out.filter((finding): finding is Finding => finding !== undefined);
}

function summary(sample: Finding, omitted: number): Finding {
  const count = omitted.toLocaleString('en-US');
  const file = sample.source?.layer === 'file' ? `${sample.source.file}: ` : '';
  const what =
    sample.code === 'unknown_key'
      ? sample.source?.layer === 'env'
        ? `unknown MPM_* variable${omitted === 1 ? '' : 's'}`
        : `unknown key${omitted === 1 ? '' : 's'}`
      : `${sample.severity}${omitted === 1 ? '' : 's'} like these`;
  return { severity: sample.severity, code: sample.code, omitted, message: `${file}… and ${count} more ${what} (not shown)` };
}
