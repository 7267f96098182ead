/** What recovery can do to the child, mildest first (docs/design.md §4). */
export const RECOVERY_ACTIONS = ['log_warning', 'clear_connections', 'restart_service', 'emergency_stop'] as const;

export type RecoveryAction = (typeof RECOVERY_ACTIONS)[number];

export function rankOf(action: RecoveryAction): number {
  return RECOVERY_ACTIONS.indexOf(action);
}

/** `steps` rungs above `from`; undefined when that is past the top of the ladder. */
export function climb(from: RecoveryAction, steps: number): RecoveryAction | undefined {
  return RECOVERY_ACTIONS[rankOf(from) + Math.max(0, steps)];
}

/** The higher of two rungs. */
export function higher(a: RecoveryAction, b: RecoveryAction): RecoveryAction {
  return rankOf(a) >= rankOf(b) ? a : b;
}
