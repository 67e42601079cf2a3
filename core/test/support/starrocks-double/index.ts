import { primaryKeyTables } from '../../../src/store/olap/starrocks/starrocks-ddl.js';
import { startFeDouble, type FeDouble, type FeDoubleOptions } from './fe-double.js';
import { startStreamLoadDouble, type StreamLoadDouble, type StreamLoadDoubleOptions } from './stream-load-double.js';

export * from './fe-double.js';
export * from './stream-load-double.js';

/** The FE's MySQL-protocol double and the Stream Load (HTTP) double, sharing one administrator. */
export interface StarRocksDouble {
  fe: FeDouble;
  streamLoad: StreamLoadDouble;
  /** `starrocks://user:password@127.0.0.1:<fe port>/?httpPort=<stream load port>` (+ `extra` options). */
  url(extra?: Record<string, string | number>): string;
  close(): Promise<void>;
}

/**
 * Both doubles of a StarRocks cluster, on TCP ports of 127.0.0.1 (usable from other processes): the
 * engine logs in to both with the same user and password, as it does to a real FE.
 */
export async function startStarRocksDouble(
  options: Omit<FeDoubleOptions, 'user' | 'password'> & { streamLoad?: StreamLoadDoubleOptions } = {},
): Promise<StarRocksDouble> {
  const { streamLoad: streamLoadOptions, ...feOptions } = options;
  // The Stream Load double chooses the administrator; the FE double accepts the same login. Loads
  // into the engine's Primary Key tables upsert (and delete) by their keys, as StarRocks does.
  const streamLoad = await startStreamLoadDouble({ primaryKeys: primaryKeyTables(), ...streamLoadOptions });
  const { user, password } = streamLoad;
  const fe = await startFeDouble({ ...feOptions, user, password });
  const httpPort = new URL(streamLoad.feUrl).port;
  return {
    fe,
    streamLoad,
    url(extra = {}) {
      const query = new URLSearchParams({
        httpPort,
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
      });
      return `starrocks://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${fe.port}/?${query.toString()}`;
    },
    async close() {
      await Promise.all([fe.close(), streamLoad.close()]);
    },
  };
}
