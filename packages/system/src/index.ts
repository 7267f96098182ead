export { sleep, systemClock, type Clock, type TimerHandle } from './clock.js';
export { CLOCK_TICKS_PER_SECOND, parseProcStat, readProcStat, type ProcStat } from './proc-stat.js';
