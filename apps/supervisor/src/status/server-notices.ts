import type { ServerNotice } from '@mpm/http';
import type winston from 'winston';

/** What the status server turned away, as one warning: at once, then at most once a minute with a count. */
export function logServerNotice(logger: winston.Logger, notice: ServerNotice, windowMs: number): void {
  const window = `in the last ${Math.round(windowMs / 1000)} s`;
  switch (notice.kind) {
    case 'hosts_refused': {
      const hosts = notice.hosts.join(', ');
      const message = notice.first
        ? `the status server refused a request for the Host ${hosts} (421): without a token it answers only to its own names, against DNS rebinding; if that name is yours, add it to http.allowedHosts`
        : `the status server refused ${notice.count} more requests for Hosts that are not its own ${window} (421): ${hosts}`;
      logger.warn(message, { event: 'status_server_host_refused', count: notice.count, hosts: notice.hosts });
      return;
    }
    case 'connections_shed': {
      const { maxConnections, maxConnectionsPerPeer } = notice.limits;
      const what = [
        notice.evicted > 0 ? `closed ${notice.evicted} idle connection${notice.evicted === 1 ? '' : 's'} to let new ones in` : '',
        notice.refused > 0 ? `refused ${notice.refused} new connection${notice.refused === 1 ? '' : 's'} (none was idle)` : '',
      ].filter((part) => part !== '');
      logger.warn(
        `the status server is at its connection limits (${maxConnections}, ${maxConnectionsPerPeer} per non-loopback peer)${notice.first ? '' : ` ${window}`}: ${what.join(' and ')}; peers: ${notice.peers.join(', ')}`,
        { event: 'status_server_connection_limit', count: notice.count, evicted: notice.evicted, refused: notice.refused, peers: notice.peers },
      );
      return;
    }
  }
}
