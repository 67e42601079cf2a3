// 用户导入 benchmark (issue 18): a 20,000-row template import end to end — the upload through the real
// route (multipart, server.inject), then the task (parsed in the piscina pool, one transaction with the
// commit marker) until it is done — against a hand-written bulk insert of the same rows (knex multi-row
// INSERTs of 500 into `contact` plus their outbox rows, one transaction). Target: ≤ 10 s end to end.
//
//   npm run bench:import -w @huiliu/bench                 # builds core; SQLite; 20,000 rows; 3 runs
//   node bench/src/contact-import.mjs --engine mysql       # MariaDB at 127.0.0.1:3306 (root)
//
// JSON to stdout, progress to stderr (harness.mjs).
import ExcelJS from 'exceljs';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    engine: { type: 'string', default: 'sqlite' },
  },
});
const rows = Number(args.rows);
const runs = Number(args.runs);

const { log, machine, round, sampleLoad } = await import('./harness.mjs');
const { startIsolatedApp, Client, createTenant, Multipart } = await import('../../core/dist/testing.js');
const { contactImportsServiceRef } = await import('../../core/dist/modules/contact-imports/contact-imports.service.js');

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'.split('');
const GIVEN = '伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华玉萍红'.split('');
const CITIES = ['上海', '北京', '广州', '深圳', '杭州', '成都', '南京', '武汉', '苏州', '西安'];
const COMPANIES = ['汇流科技', '星河零售', '青禾食品', '远山教育', '蓝海物流'];

/** The row values an operator would type (deterministic). */
function rowValues(i) {
  return {
    姓名: `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${GIVEN[(i * 13) % GIVEN.length]}`,
    手机号码: String(13_000_000_000 + i * 37),
    邮箱: `user${i}@example.com`,
    性别: i % 3 === 0 ? '男' : i % 3 === 1 ? '女' : '未知',
    生日: `19${70 + (i % 30)}-0${1 + (i % 9)}-1${i % 9}`,
    城市: CITIES[i % CITIES.length],
    公司: COMPANIES[i % COMPANIES.length],
    会员等级: String(1 + (i % 5)),
  };
}

async function templateBytes(app, client) {
  const res = await app.server.inject({
    method: 'GET',
    url: '/api/v1/console/contact-imports/template',
    headers: client.authHeaders(),
  });
  if (res.statusCode !== 200) throw new Error(`template: ${res.statusCode}`);
  return res.rawPayload;
}

async function filledFile(template) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(template);
  const sheet = workbook.worksheets[0];
  const columns = new Map();
  sheet.getRow(1).eachCell((cell, column) => columns.set(String(cell.value), column));
  for (let i = 0; i < rows; i += 1) {
    const row = sheet.getRow(i + 2);
    for (const [label, value] of Object.entries(rowValues(i))) row.getCell(columns.get(label)).value = value;
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The same rows as the import stores them, written by hand: multi-row INSERTs of 500, one transaction. */
async function handWritten(app, tenantId, seq) {
  const knex = app.oltp.knex;
  const at = Date.now();
  const records = Array.from({ length: rows }, (_, i) => {
    const v = rowValues(i);
    return {
      tenant_id: tenantId,
      identified: true,
      name: v.姓名,
      mobile: v.手机号码,
      email: v.邮箱,
      gender: v.性别 === '男' ? 'male' : v.性别 === '女' ? 'female' : 'unknown',
      birthday: v.生日,
      city: v.城市,
      company: v.公司,
      attributes: JSON.stringify({ [seq]: Number(v.会员等级) }),
      created_at: at,
      first_seen_at: at,
      updated_at: at,
      inserted_at: at,
    };
  });
  const started = performance.now();
  await knex.transaction(async (trx) => {
    for (let i = 0; i < records.length; i += 500) {
      const part = records.slice(i, i + 500);
      const [returned] = await trx('contact').insert(part);
      const first = app.oltp.info.client === 'mysql' ? Number(returned) : Number(returned) - part.length + 1;
      await trx('contact_change').insert(part.map((_, k) => ({ tenant_id: tenantId, contact_id: first + k, changed_at: at })));
    }
  });
  return performance.now() - started;
}

const { app, close } = await startIsolatedApp({ engine: args.engine === 'mysql' ? 'mysql' : 'sqlite' });
const results = [];
try {
  const load = sampleLoad();
  for (let run = 1; run <= runs; run += 1) {
    const tenant = await createTenant(app);
    const client = await Client.staff(app.server, tenant.email, tenant.password);
    const field = await client.request('POST', '/api/v1/metadata/contact-fields', { name: '会员等级', type: 'integer' });
    const file = await filledFile(await templateBytes(app, client));
    log(`run ${run}: ${rows} rows, ${file.length} bytes`);

    // A breakdown of the parse alone (the pool, warm after the first run).
    const parseStarted = performance.now();
    const imports = app.service(contactImportsServiceRef);
    await app.jobs.pool().run({
      fn: 'parseContactSheet',
      input: {
        bytes: new Uint8Array(file),
        options: { kind: 'import', fields: await imports.templateFields(tenant.tenantId), maxRows: 20_000 },
      },
    });
    const parseMs = performance.now() - parseStarted;

    const started = performance.now();
    const res = await client.request(
      'POST',
      '/api/v1/console/contact-imports',
      new Multipart({ file: { filename: 'bench.xlsx', content: file } }),
    );
    if (res.statusCode !== 202) throw new Error(`upload: ${res.statusCode} ${JSON.stringify(res.body)}`);
    const uploadMs = performance.now() - started;
    while ((await app.jobs.worker.poll()) > 0);
    const totalMs = performance.now() - started;
    const done = await client.request('GET', `/api/v1/console/contact-imports/${res.body.id}`);
    const task = await app.jobs.queue.get(tenant.tenantId, res.body.taskId);
    const phases = task.result.data.timings;
    if (done.body.successCount !== rows) throw new Error(`imported ${JSON.stringify(done.body)}`);

    const other = await createTenant(app);
    const bulkMs = await handWritten(app, other.tenantId, field.body.key.slice(4));
    results.push({
      run,
      uploadMs: round(uploadMs),
      parseMs: round(parseMs),
      totalMs: round(totalMs),
      task: phases,
      handWrittenInsertMs: round(bulkMs),
    });
    log(
      `run ${run}: import ${round(totalMs)} ms (upload ${round(uploadMs)}, task ${JSON.stringify(phases)}, parse alone ${round(parseMs)}), hand-written insert ${round(bulkMs)} ms`,
    );
  }
  const best = (key) => Math.min(...results.map((r) => r[key]));
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'contact-import',
        date: new Date().toISOString(),
        machine: machine(),
        engine: args.engine,
        rows,
        runs: results,
        best: { totalMs: best('totalMs'), parseMs: best('parseMs'), handWrittenInsertMs: best('handWrittenInsertMs') },
        load: load.stop(),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await close();
}
