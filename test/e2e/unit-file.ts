// A unit file: sections of keys, each key with every value it was given, in order.

export type Unit = Map<string, Map<string, string[]>>;

export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  // A line ending in a backslash continues on the next one (systemd.syntax(7)).
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = unit.get(header[1]!) ?? new Map<string, string[]>();
      unit.set(header[1]!, section);
      continue;
    }
    const assignment = /^([A-Za-z0-9]+)\s*=\s*(.*)$/.exec(line);
    if (assignment === null || section === undefined) throw new Error(`not a unit file line: ${JSON.stringify(raw)}`);
    const values = section.get(assignment[1]!) ?? [];
    values.push(assignment[2]!);
    section.set(assignment[1]!, values);
  }
  return unit;
}

/** The value a key ends up with (the last assignment wins); undefined when not set. */
export function setting(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

const TIMESPAN_UNITS_MS: Record<string, number> = {
  us: 0.001,
  usec: 0.001,
  ms: 1,
  msec: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** A systemd time span (`15s`, `1min 30s`, `90` = seconds) in milliseconds. */
export function timespanMs(text: string | undefined): number {
  if (text === undefined) throw new Error('time span not set');
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1_000;
  let total = 0;
  let rest = trimmed;
  while (rest !== '') {
    const part = /^(\d+(?:\.\d+)?)\s*([a-z]+)\s*/.exec(rest);
    const factor = part === null ? undefined : TIMESPAN_UNITS_MS[part[2]!];
    if (part === null || factor === undefined) throw new Error(`not a systemd time span: ${JSON.stringify(text)}`);
    total += Number(part[1]) * factor;
    rest = rest.slice(part[0].length);
  }
  return total;
}
