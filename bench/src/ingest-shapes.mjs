// Where the inbox insert's time goes: statement shape and indexes, raw better-sqlite3, v4 ids, 1M preloaded.
import Database from '/work/wt-ingestbench/node_modules/better-sqlite3/lib/index.js';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
const N = Number(process.argv[2] ?? 300000),
  PRE = Number(process.argv[3] ?? 1000000);
const body = JSON.stringify({
  type: 'track',
  messageId: randomUUID(),
  channelId: '1',
  via: 'collect',
  anonymousId: 'anon-0000abcd',
  event: 'purchase',
  properties: { amount: 12.5, sku: 'SKU-10001' },
  timestamp: new Date().toISOString(),
  context: {
    library: { name: 'huiliu-web', version: '0.1.0' },
    page: { path: '/products/1', title: '商品详情' },
    locale: 'zh-CN',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
  },
  receivedAt: Date.now(),
});
function open(indexes) {
  rmSync('/tmp/shape.sqlite', { force: true });
  rmSync('/tmp/shape.sqlite-wal', { force: true });
  rmSync('/tmp/shape.sqlite-shm', { force: true });
  const db = new Database('/tmp/shape.sqlite');
  db.pragma('journal_mode=WAL');
  db.pragma('synchronous=NORMAL');
  db.exec(
    'CREATE TABLE inbox (seq integer primary key autoincrement, tenant_id bigint not null, partition tinyint not null, message_id varchar(128) not null, body text not null, received_at bigint not null, load_batch_id bigint, drained_at bigint)',
  );
  db.exec('CREATE UNIQUE INDEX u ON inbox(tenant_id, message_id)');
  if (indexes) {
    db.exec('CREATE INDEX p ON inbox(partition, load_batch_id, seq)');
    db.exec('CREATE INDEX r ON inbox(received_at)');
  }
  const ins = db.prepare(
    'INSERT INTO inbox (tenant_id, partition, message_id, body, received_at) VALUES (?,?,?,?,?) ON CONFLICT (tenant_id, message_id) DO NOTHING',
  );
  const tx = db.transaction((n) => {
    for (let i = 0; i < n; i++) ins.run(1, i % 16, randomUUID(), body, Date.now());
  });
  for (let i = 0; i < PRE; i += 10000) tx(10000);
  return db;
}
const results = {};
function time(name, db, fn) {
  const t = performance.now();
  let done = 0;
  while (done < N) {
    fn();
    done += 100;
  }
  const s = (performance.now() - t) / 1000;
  results[name] = Math.round(N / s);
  console.log(name, results[name], 'rows/s');
}
const rows = () => Array.from({ length: 100 }, (_, i) => [1, i % 16, randomUUID(), body, Date.now()]);
{
  const db = open(false);
  const ins = db.prepare(
    'INSERT INTO inbox (tenant_id, partition, message_id, body, received_at) VALUES (?,?,?,?,?) ON CONFLICT (tenant_id, message_id) DO NOTHING',
  );
  const tx = db.transaction((rs) => {
    for (const r of rs) ins.run(...r);
  });
  time('prepared row inserts, unique index only', db, () => tx(rows()));
  db.close();
}
{
  const db = open(true);
  const ins = db.prepare(
    'INSERT INTO inbox (tenant_id, partition, message_id, body, received_at) VALUES (?,?,?,?,?) ON CONFLICT (tenant_id, message_id) DO NOTHING',
  );
  const tx = db.transaction((rs) => {
    for (const r of rs) ins.run(...r);
  });
  time('prepared row inserts, inbox indexes', db, () => tx(rows()));
  const unionSql =
    'INSERT INTO inbox (body, message_id, partition, received_at, tenant_id) ' +
    Array.from({ length: 100 }, () => 'SELECT ? AS body, ? AS message_id, ? AS partition, ? AS received_at, ? AS tenant_id').join(
      ' UNION ALL ',
    ) +
    ' WHERE true ON CONFLICT (tenant_id, message_id) DO NOTHING';
  const valuesSql =
    'INSERT INTO inbox (body, message_id, partition, received_at, tenant_id) VALUES ' +
    Array.from({ length: 100 }, () => '(?,?,?,?,?)').join(',') +
    ' ON CONFLICT (tenant_id, message_id) DO NOTHING';
  const flat = (rs) => rs.flatMap((r) => [r[3], r[2], r[1], r[4], r[0]]);
  time('knex shape: 100-row UNION ALL, prepared per request, inbox indexes', db, () => {
    const rs = rows();
    db.transaction(() => db.prepare(unionSql).run(...flat(rs)))();
  });
  time('100-row VALUES, prepared per request, inbox indexes', db, () => {
    const rs = rows();
    db.transaction(() => db.prepare(valuesSql).run(...flat(rs)))();
  });
  const cached = db.prepare(valuesSql);
  time('100-row VALUES, prepared once, inbox indexes', db, () => {
    const rs = rows();
    db.transaction(() => cached.run(...flat(rs)))();
  });
  db.close();
}
console.log(JSON.stringify(results));
