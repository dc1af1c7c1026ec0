/**
 * Ports for servers the tests stop and start in place: below the kernel's ephemeral range,
 * so no outgoing connection can take one while its server is down, and never one port twice.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { restartablePort } from '../../temporal/dev-server';

describe('restartablePort', () => {
  it('hands out distinct ports below the ephemeral range, each of which can be listened on', async () => {
    const ephemeralLow = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 40 }, () => restartablePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeLessThan(Math.min(ephemeralLow, 32768));
      expect(port).toBeGreaterThanOrEqual(10000);
    }
    // All at once: none of them is taken by another process (or by one of the others).
    const servers = await Promise.all(
      ports.map(
        (port) =>
          new Promise<net.Server>((resolve, reject) => {
            const server = net.createServer();
            server.once('error', reject);
            server.listen(port, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('names the error of an address this host does not have, instead of trying other ports', async () => {
    await expect(restartablePort('192.0.2.1')).rejects.toMatchObject({ code: 'EADDRNOTAVAIL', message: expect.stringContaining('192.0.2.1') });
  });
});
