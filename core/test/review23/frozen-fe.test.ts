import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StarRocksSql, type StarRocksLogin } from '../../src/store/olap/starrocks/starrocks-client.js';
import { startFeDouble, type FeDouble } from '../support/starrocks-double/index.js';

/**
 * Review of issue 23: an FE that stops answering without closing its sockets (a frozen JVM, a network
 * partition that drops packets). KILL QUERY cannot reach it either, so the client must give up on the
 * connection itself. No OLTP store is involved (the client alone), hence no describeOltpEngines.
 */
describe('review 23: a frozen StarRocks FE', () => {
  let fe: FeDouble;
  let proxy: net.Server;
  let frozen = false;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    fe = await startFeDouble({ user: 'root', password: 'secret-pw' });
    // A TCP relay to the double that, once frozen, swallows every byte both ways and accepts nothing new.
    proxy = net.createServer((client) => {
      const upstream = net.connect(fe.port, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
      }
      client.on('data', (chunk) => !frozen && upstream.write(chunk));
      upstream.on('data', (chunk) => !frozen && client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await fe.close();
  });

  it('R23-5: a query on an FE that went silent mid-query ends with olap_query_timeout instead of hanging', async () => {
    const login: StarRocksLogin = {
      host: '127.0.0.1',
      port: (proxy.address() as net.AddressInfo).port,
      user: 'root',
      password: 'secret-pw',
      connectTimeoutMs: 500,
    };
    const sql = new StarRocksSql(login, 1, login);
    try {
      await sql.select('SELECT 1', { timeoutMs: 1_000 }); // the pool's connection is up
      fe.answer('SELECT 42 AS x', [{ x: 42 }], { delayMs: 60_000 });
      const started = Date.now();
      const query = sql.select('SELECT 42 AS x', { timeoutMs: 300 });
      setTimeout(() => (frozen = true), 100);
      const outcome = await Promise.race([
        query.then(
          () => 'answered',
          (error: { code?: string }) => error.code ?? 'error',
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('still hanging'), 12_000)),
      ]);
      expect(outcome).toBe('olap_query_timeout');
      expect(Date.now() - started).toBeLessThan(12_000);
    } finally {
      frozen = false;
      for (const socket of sockets) socket.destroy();
      await sql.close();
    }
  }, 30_000);
});
