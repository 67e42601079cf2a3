import { DuckDBInstance, DuckDBDateValue, DuckDBTimestampValue } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ChunkAppender } from '../../src/store/olap/duckdb/duckdb-support.js';

describe('ChunkAppender', () => {
  it('writes the same rows as the row appender, across chunk boundaries, NULLs in every column type', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const columns = 'a BIGINT, b VARCHAR, c VARCHAR[], d TIMESTAMP, e DATE, f DOUBLE, g INTEGER, h BOOLEAN, j JSON';
    await connection.run(`CREATE TABLE by_chunk (${columns}); CREATE TABLE by_row (${columns})`);
    const rows = 4100; // two full chunks of 2,048 and a partial one
    const chunkAppender = await connection.createAppender('by_chunk');
    const rowAppender = await connection.createAppender('by_row');
    const chunked = ChunkAppender.create(chunkAppender, rows);
    expect(chunked).toBeDefined();
    for (const a of [chunked!, rowAppender]) {
      for (let r = 0; r < rows; r += 1) {
        if (r % 3) {
          a.appendBigInt(BigInt(r) * 1_000_000_007n);
          a.appendVarchar(`s${r}`);
          a.appendList(['x', `y${r}`]);
        } else {
          a.appendNull();
          a.appendNull();
          a.appendNull();
        }
        if (r % 7) a.appendTimestamp(new DuckDBTimestampValue(BigInt(r) * 1000n));
        else a.appendNull();
        if (r % 5) a.appendDate(new DuckDBDateValue(r));
        else a.appendNull();
        if (r % 11) a.appendDouble(r / 2);
        else a.appendNull();
        if (r % 13) a.appendInteger(-r);
        else a.appendNull();
        if (r % 2) a.appendBoolean(r % 4 === 1);
        else a.appendNull();
        if (r % 17) a.appendNull();
        else a.appendVarchar(`{"r":${r}}`);
        a.endRow();
      }
    }
    expect(chunked!.complete).toBe(true);
    chunkAppender.closeSync();
    rowAppender.closeSync();
    const summary = async (table: string) =>
      (await connection.runAndReadAll(`SELECT count(*), sum(hash(a, b, c, d, e, f, g, h, j)) FROM ${table}`)).getRows()[0];
    const nulls = async (table: string) =>
      (
        await connection.runAndReadAll(
          `SELECT count(a), count(b), count(c), count(d), count(e), count(f), count(g), count(h), count(j) FROM ${table}`,
        )
      ).getRows()[0];
    expect(await summary('by_chunk')).toEqual(await summary('by_row'));
    expect(await nulls('by_chunk')).toEqual(await nulls('by_row'));
    expect((await summary('by_chunk'))?.[0]).toBe(BigInt(rows));
    connection.closeSync();
    instance.closeSync();
  });

  it('refuses a row with too few columns', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run('CREATE TABLE t (a BIGINT, b VARCHAR)');
    const appender = await connection.createAppender('t');
    const chunked = ChunkAppender.create(appender, 2)!;
    chunked.appendBigInt(1n);
    expect(() => chunked.endRow()).toThrow(/1 of 2 columns/);
    appender.clear();
    appender.closeSync();
    connection.closeSync();
    instance.closeSync();
  });
});
