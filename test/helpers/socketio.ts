import { io } from 'socket.io-client';

export interface PingReply {
  readonly pong: boolean;
  readonly pid: number;
}

/** Connects a real Socket.IO client to 127.0.0.1:port and sends one acked `ping`. */
export async function pingSocketIo(port: number, timeoutMs = 3000): Promise<PingReply> {
  const socket = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    reconnection: false,
    timeout: timeoutMs,
    forceNew: true,
  });
  try {
    return (await socket.timeout(timeoutMs).emitWithAck('ping')) as PingReply;
  } finally {
    socket.disconnect();
  }
}

/** Pings until one succeeds or the deadline passes; returns the reply. */
export async function pingUntilAnswered(port: number, timeoutMs = 15_000): Promise<PingReply> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await pingSocketIo(port, Math.min(2000, Math.max(100, deadline - Date.now())));
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`no Socket.IO ping answered on port ${port} within ${timeoutMs} ms: ${String(last)}`);
}
