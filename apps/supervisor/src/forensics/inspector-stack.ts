import type { StackFrame } from '@mpm/recovery';
import { CdpSession } from './cdp-session.js';
import { fetchDebuggerUrl } from './debugger-url.js';
import { framesOf } from './frames.js';
import { waitForInspectorPort } from './inspector-port.js';
import { listeningSockets } from './proc-sockets.js';

/** What the capture was doing, for the report of one that did not finish. */
export type InspectorStage = 'signalling' | 'waiting for the inspector port' | 'asking for the target' | 'connecting' | 'pausing';

export interface InspectorProgress {
  stage: InspectorStage;
}

/**
 * The JavaScript stack of a Node process whose event loop is blocked, through its
 * inspector: SIGUSR1 makes Node open it (on the port its --inspect-port says); its port
 * is found among the process's new listening sockets; `Debugger.enable` then
 * `Debugger.pause` interrupt V8 wherever it runs, a busy `for (;;) {}` included, and the
 * `Debugger.paused` event carries the frames. The session is closed at the end, whatever
 * happened; the process is to be killed right after (the inspector's port goes with it).
 *
 * Rejects with what stopped it; `progress.stage` says where it got to. `signal` bounds
 * every wait.
 */
export async function inspectorStack(pid: number, signal: AbortSignal, progress: InspectorProgress): Promise<{ frames: StackFrame[]; depth: number }> {
  progress.stage = 'signalling';
  const before = new Set(listeningSockets(pid).map((socket) => socket.inode));
  process.kill(pid, 'SIGUSR1');
  progress.stage = 'waiting for the inspector port';
  const { host, port } = await waitForInspectorPort(pid, before, signal);
  progress.stage = 'asking for the target';
  const url = await fetchDebuggerUrl(host, port, signal);
  progress.stage = 'connecting';
  const session = await CdpSession.open(url, signal);
  try {
    progress.stage = 'pausing';
    // Frames name scripts by id; their URLs come with Debugger.enable, one event per script.
    const scripts = new Map<string, string>();
    session.on('Debugger.scriptParsed', (params) => {
      const { scriptId, url: scriptUrl } = (params ?? {}) as Record<string, unknown>;
      if (typeof scriptId === 'string' && typeof scriptUrl === 'string') scripts.set(scriptId, scriptUrl);
    });
    const paused = session.next('Debugger.paused');
    // Both at once: the pause waits in V8 for the loop to reach an interrupt check.
    await Promise.all([session.call('Debugger.enable'), session.call('Debugger.pause'), paused]);
    return framesOf(await paused, scripts);
  } finally {
    session.close();
  }
}
