/**
 * A switch or setting the user can fix. The message is one line that names the switch,
 * the value received and what was expected; the entry prints it and exits 2, with no
 * stack, because a stack would only hide the one line that matters.
 */
export class DemoConfigError extends Error {
  override readonly name = 'DemoConfigError';
  /** The flag (`--crash-after`) or variable (`DEMO_CRASH_AFTER_MS`) at fault. */
  readonly setting: string;
  /** The text received, when there was one. */
  readonly value: string | undefined;

  constructor(message: string, setting: string, value?: string) {
    super(message);
    this.setting = setting;
    this.value = value;
  }
}

/** The one message shape for a bad value, so every switch reads the same. */
export function invalidValue(setting: string, value: string, expected: string): DemoConfigError {
  return new DemoConfigError(`invalid ${setting} value ${JSON.stringify(value)}: expected ${expected}`, setting, value);
}
