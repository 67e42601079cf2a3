// Contact-export benchmark (issue 18: a 100,000-row export in ≤ 20 s, task start to file saved).
// Needs core and the plugins built (`npm run bench:export -w @huiliu/bench` builds them first).
//
//   npm run bench:export -w @huiliu/bench -- --contacts 100000 --anonymous 50000
//
// A real app (SQLite OLTP, embedded DuckDB) and tenant: five custom fields made through the API, then
// `--contacts` identified and `--anonymous` anonymous contacts loaded into OLAP through the analytics
// engine's batch path (what the contact outbox does), and an external_id account per identified
// contact in the custom channel (OLTP). Then:
//   1. the export as operators run it: POST /api/v1/console/contact-exports (count + enqueue), the
//      worker runs the task (chunked OLAP reads, channel accounts, exceljs streaming writer, the file
//      stored); timed from the task's start to its end (the file saved) and from the request;
//   2. the fastest hand-written equivalent: one OLAP query of the same columns for every identified
//      contact, straight into the same exceljs streaming writer (no channel column: OLTP not read);
//   3. the export again with the custom channel's external_id column (OLTP reads).
// Prints one JSON document; progress on stderr.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import pino from 'pino';
import { log, machine, round, sampleLoad } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    anonymous: { type: 'string', default: '50000' },
    repeat: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const identified = Number(args.contacts);
const anonymous = Number(args.anonymous);
const repeat = Number(args.repeat);

const { createApp } = await import('../../core/dist/app.js');
const { loadConfig } = await import('../../core/dist/config/config.js');
const { Client, createTenant } = await import('../../core/dist/testing.js');

const FIELDS = ['name', 'gender', 'birthday', 'mobilePhone', 'email', 'state', 'city', 'company', 'title'];
const CITIES = [
  ['上海', '上海'],
  ['北京', '北京'],
  ['广东', '广州'],
  ['广东', '深圳'],
  ['浙江', '杭州'],
  ['四川', '成都'],
];
const FIRST_ID = 5_000_000_001;
const cpuSecondsSince = (start) => {
  const used = process.cpuUsage(start);
  return round((used.user + used.system) / 1e6, 2);
};

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huiliu-bench-export-'));
const config = loadConfig({
  env: {},
  overrides: { dataDir, port: 0, host: '127.0.0.1', logLevel: 'warn', logRequests: 'off', loadPluginPackages: true },
});
const app = await createApp(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
const load = sampleLoad();
try {
  const tenant = await createTenant(app);
  const staff = await Client.staff(app.server, tenant.email, tenant.password);
  const channel = (await staff.request('POST', '/api/v1/channels', { type: 'custom', name: '官网' })).body;
  const custom = [];
  for (const [name, type] of [
    ['会员等级', 'string'],
    ['积分', 'integer'],
    ['消费金额', 'decimal'],
    ['注册日期', 'date'],
    ['优惠码', 'string'],
  ]) {
    const res = await staff.request('POST', '/api/v1/metadata/contact-fields', { name, type });
    if (res.statusCode !== 201) throw new Error(`custom field refused: ${JSON.stringify(res.body)}`);
    custom.push({ key: res.body.key, seq: res.body.key.slice(4), type });
  }

  // ---- the data -------------------------------------------------------------------------------------
  log(`loading ${identified} identified + ${anonymous} anonymous contacts into OLAP`);
  const analytics = app.olap.forTenant(tenant.tenantId);
  const day = 86_400_000;
  const base = Date.UTC(2025, 0, 1);
  const contactRow = (i) => {
    const id = String(FIRST_ID + i);
    if (i >= identified) return { id, identified: false, firstSeenAt: base + (i % 700) * day, updatedAt: base + (i % 700) * day };
    const [province, city] = CITIES[i % CITIES.length];
    return {
      id,
      identified: true,
      name: `用户${i}`,
      gender: i % 3 === 0 ? 'female' : 'male',
      birthday: `19${70 + (i % 30)}-0${1 + (i % 9)}-1${i % 10}`,
      mobile: `138${String(i).padStart(8, '0')}`,
      email: `user${i}@example.com`,
      country: '中国',
      province,
      city,
      company: `公司${i % 500}`,
      title: i % 2 ? '经理' : '专员',
      utmSource: i % 4 ? 'wechat' : 'baidu',
      firstSeenAt: base + (i % 700) * day,
      lastActiveAt: base + (i % 700) * day + 3_600_000,
      createdAt: base + (i % 700) * day + 60_000,
      updatedAt: base + (i % 700) * day + 3_600_000,
      attributes: {
        [custom[0].seq]: ['普通', '银卡', '金卡'][i % 3],
        [custom[1].seq]: i % 10_000,
        [custom[2].seq]: (i % 1000) + 0.5,
        [custom[3].seq]: `2024-0${1 + (i % 9)}-0${1 + (i % 9)}`,
        [custom[4].seq]: `C${randomBytes(4).toString('hex')}`,
      },
    };
  };
  const total = identified + anonymous;
  for (let offset = 0; offset < total; offset += 10_000) {
    const contacts = [];
    for (let i = offset; i < Math.min(total, offset + 10_000); i += 1) contacts.push(contactRow(i));
    await analytics.load({ batchId: `bench-contacts-${offset}`, contacts });
  }
  log('inserting external_id accounts (OLTP)');
  const now = Date.now();
  const accounts = Array.from({ length: identified }, (_, i) => ({
    tenant_id: tenant.tenantId,
    channel_id: channel.id,
    id_type: 'externalId',
    user_id: `ext-${i}`,
    contact_id: String(FIRST_ID + i),
    first_seen_at: now,
    created_at: now,
    updated_at: now,
  }));
  await app.oltp.knex.batchInsert('channel_account', accounts, 400);

  const fields = [...FIELDS, ...custom.map((c) => c.key), 'createdAt', 'lastActiveAt'];

  // ---- 1 and 3: the export as operators run it ---------------------------------------------------
  const runExport = async (body) => {
    const cpu = process.cpuUsage();
    const requested = performance.now();
    const res = await staff.request('POST', '/api/v1/console/contact-exports', body);
    if (res.statusCode !== 202) throw new Error(`export refused: ${JSON.stringify(res.body)}`);
    const accepted = performance.now();
    while ((await app.jobs.worker.poll()) > 0);
    const done = performance.now();
    const task = (await staff.request('GET', `/api/v1/tasks/${res.body.taskId}`)).body;
    if (task.status !== 'succeeded') throw new Error(`export task ${task.status}: ${JSON.stringify(task.error)}`);
    const item = (await staff.request('GET', `/api/v1/console/contact-exports/${res.body.exportId}`)).body;
    const stored = await app.oltp.forTenant(tenant.tenantId).from('stored_file').where('id', item.fileId).first();
    return {
      rows: item.rowCount,
      columns: item.columns.length,
      requestMs: round(accepted - requested),
      taskMs: task.finishedAt - task.startedAt,
      requestToDoneMs: round(done - requested),
      // CPU the process used (Node and DuckDB's threads): what the run costs when the cores are not shared.
      cpuSeconds: cpuSecondsSince(cpu),
      fileMiB: round(Number(stored.size) / 2 ** 20, 2),
    };
  };

  // ---- 2: the fastest hand-written equivalent --------------------------------------------------------
  const handWritten = async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const d = app.olap.dialect;
    const q = (name) => d.quoteIdentifier(name);
    const system = ['name', 'gender', 'birthday', 'mobile', 'email', 'province', 'city', 'company', 'title'];
    const columns = [
      'id',
      ...system.map(q),
      ...custom.map((c) => q(`p_${c.seq}`)),
      `${d.localTimestamp('created_at', 'Asia/Shanghai')} AS created_at`,
      `${d.localTimestamp('last_active_at', 'Asia/Shanghai')} AS last_active_at`,
    ];
    const result = await analytics.query(`SELECT ${columns.join(', ')} FROM contacts WHERE identified ORDER BY id`, {
      rowMode: 'json',
    });
    const queried = performance.now();
    const file = path.join(dataDir, `hand-${randomBytes(4).toString('hex')}.xlsx`);
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet('用户');
    sheet.addRow(['用户ID', ...fields]).commit();
    const names = result.columns.map((c) => c.name);
    for (const row of result.rows) sheet.addRow(names.map((n) => row[n])).commit();
    sheet.commit();
    await workbook.commit();
    const written = performance.now();
    const size = statSync(file).size;
    rmSync(file, { force: true });
    return {
      rows: result.rows.length,
      columns: names.length,
      totalMs: round(written - started),
      queryMs: round(queried - started),
      writeMs: round(written - queried),
      cpuSeconds: cpuSecondsSince(cpu),
      fileMiB: round(size / 2 ** 20, 2),
    };
  };

  const runs = { export: [], handWritten: [], exportWithExternalId: [] };
  for (let r = 0; r < repeat; r += 1) {
    log(`run ${r + 1}/${repeat}: export`);
    runs.export.push(await runExport({ fields }));
    log(`run ${r + 1}/${repeat}: hand-written`);
    runs.handWritten.push(await handWritten());
    log(`run ${r + 1}/${repeat}: export + external_id`);
    runs.exportWithExternalId.push(await runExport({ fields, customChannelId: channel.id }));
  }
  const best = (list, key) => Math.min(...list.map((x) => x[key]));
  const median = (list, key) => {
    const sorted = list.map((x) => x[key]).sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  };
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'contact-export',
        date: new Date().toISOString(),
        machine: machine(),
        dataset: { identified, anonymous, columns: fields.length + 1, oltp: 'sqlite' },
        summary: {
          exportTaskMs: { best: best(runs.export, 'taskMs'), median: median(runs.export, 'taskMs') },
          exportRequestMs: { median: median(runs.export, 'requestMs') },
          exportCpuSeconds: { best: best(runs.export, 'cpuSeconds') },
          handWrittenMs: { best: best(runs.handWritten, 'totalMs'), median: median(runs.handWritten, 'totalMs') },
          handWrittenCpuSeconds: { best: best(runs.handWritten, 'cpuSeconds') },
          exportWithExternalIdTaskMs: {
            best: best(runs.exportWithExternalId, 'taskMs'),
            median: median(runs.exportWithExternalId, 'taskMs'),
          },
          targetMs: 20_000,
        },
        runs,
        load: load.stop(),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await app.stop?.();
  if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
  else log(`kept ${dataDir}`);
}
