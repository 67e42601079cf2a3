/**
 * The rules whose tests the mutation check (scripts/mutations.mjs, run by .ci/run after `npm test`)
 * proves able to fail: each entry breaks one rule in the source, runs only the tests named for it,
 * and the check fails if they still pass.
 *
 * Format — one object per mutation:
 *   rule     What the rule is, in one line (printed in the result).
 *   file     The source file to mutate, relative to the repository root.
 *   find     An exact string that must occur exactly ONCE in `file`. When the code changes and it
 *            no longer does, the entry is "stale" and the check fails: update `find`/`replace`
 *            together with the code (never delete an entry to make the check pass).
 *   replace  What `find` becomes: the rule broken, the rest of the code still loading.
 *   tests    Test files (relative to the root) that guard the rule; at least one test must fail.
 *   testNamePattern  Optional: a Vitest `-t` pattern to run only the guarding tests of a big file.
 *
 * Adding a rule: add its entry here, run `node scripts/mutations.mjs --only "<part of the rule>"`
 * and see it reported as caught.
 */
export default [
  {
    rule: 'TenantDb.from() filters every query by its tenant',
    file: 'core/src/store/oltp/tenant-query.ts',
    find: 'const builder = executor<TRecord>(table).where(`${table}.tenant_id`, scope.tenantId);',
    replace: 'const builder = executor<TRecord>(table).whereNotNull(`${table}.tenant_id`);',
    tests: ['core/test/oltp.test.ts'],
    testNamePattern: 'confines TenantDb',
  },
  {
    rule: 'every route checks the permission it declares',
    file: 'core/src/server/auth.ts',
    find: 'if (access.permission !== AUTHENTICATED && !principal.permissions.has(access.permission)) {',
    replace: 'if (access.permission === "no such permission") {',
    tests: ['core/test/apps.test.ts'],
    testNamePattern: 'forbids normal staff',
  },
  {
    rule: 'a state-changing call with a session cookie needs the session’s CSRF token',
    file: 'core/src/server/auth.ts',
    find: "if (typeof header !== 'string' || !safeEqual(header, principal.csrfToken)) {",
    replace: "if (typeof header !== 'string') {",
    tests: ['core/test/auth.test.ts'],
    testNamePattern: 'CSRF',
  },
  {
    rule: 'the server refuses to start with an API route that declares no permission',
    file: 'core/src/server/auth.ts',
    find: 'if (!access) throw new Error(`Route ${route.method.toUpperCase()} ${route.path} declares no permission`);',
    replace: 'if (!access) continue;',
    tests: ['core/test/permissions.test.ts'],
  },
  {
    rule: 'the server refuses to start with a route declaring an unknown permission',
    file: 'core/src/server/auth.ts',
    find: 'if (!options.permissions.isKnown(access.permission)) {',
    replace: 'if (!access.permission) {',
    tests: ['core/test/permissions.test.ts'],
  },
  {
    rule: 'a plugin’s database service reaches only the tables with its prefix',
    file: 'core/src/kernel/plugin-tables.ts',
    find: "if (typeof table !== 'string' || !table.startsWith(tablePrefix(pluginId)) || table.length === tablePrefix(pluginId).length) {",
    replace: "if (typeof table !== 'string') {",
    tests: ['core/test/kernel.test.ts'],
    testNamePattern: 'confines a plugin to its own tables',
  },
  {
    rule: 'a plugin’s migrations may create only tables with its prefix',
    file: 'core/src/kernel/plugin-tables.ts',
    find: 'if (owned(name) !== \'own\') changes.push(`created ${shape.kind} "${name}"`);',
    replace: 'if (owned(name) === false && name === \'\') changes.push(`created ${shape.kind} "${name}"`);',
    tests: ['core/test/kernel.test.ts'],
    testNamePattern: 'prefix',
  },
  {
    rule: 'the plugin contract fails a plugin whose down migrations leave a table behind',
    file: 'core/src/testing.ts',
    find: 'const downLeftTables = await created();',
    replace: 'const downLeftTables: string[] = [];',
    tests: ['core/test/plugin-contract.test.ts'],
    testNamePattern: 'leaves one of its tables behind',
  },
  {
    rule: 'CI refuses HUILIU_TEST_ENGINES narrowing',
    file: 'core/test/support/engines.ts',
    find: "if (isCi(env) && engines.length < ENGINES.length && env.HUILIU_MUTATIONS !== '1') {",
    replace: "if (isCi(env) && engines.length < 0 && env.HUILIU_MUTATIONS !== '1') {",
    tests: ['core/test/ci.test.ts'],
  },
  {
    rule: 'npm test counts tests skipped by a failed suite setup (MariaDB unreachable) as failed',
    file: 'scripts/test-summary.mjs',
    find: "else if (file.status === 'failed') {",
    replace: "else if (file.status === 'never') {",
    tests: ['core/test/ci.test.ts'],
  },
  // The tenant-isolation replay (core/test/tenant-isolation.test.ts) catches a module forgetting its
  // tenant: by id (404 expected), in a list (victim ids in the answer), in a write without an id
  // (the victim's rows change).
  {
    rule: 'tenant-isolation replay: a read by id confined to the tenant (GET /api/v1/apps/{appId})',
    file: 'core/src/modules/apps/apps.repo.ts',
    find: "return this.apps(tenantId).where('api_app.id', appId).first();",
    replace: "return this.db.unscoped<ApiAppRow>('api_app').where('api_app.id', appId).first();",
    tests: ['core/test/tenant-isolation.test.ts'],
  },
  {
    rule: 'tenant-isolation replay: a list confined to the tenant (GET /api/v1/staff)',
    file: 'core/src/modules/staff/staff.repo.ts',
    find: 'return paginate(() => this.staff(tenantId), {',
    replace: "return paginate(() => this.db.unscoped<StaffRow>('staff'), {",
    tests: ['core/test/tenant-isolation.test.ts'],
  },
  {
    rule: 'tenant-isolation replay: a write without an id confined to the caller (POST /api/v1/notifications/read-all)',
    file: 'core/src/modules/notifications/notifications.repo.ts',
    find: "const q = this.visible(tenantId, staffId).whereNull('notification.read_at');",
    replace: "const q = this.db.unscoped<NotificationRow>('notification').whereNull('notification.read_at');",
    tests: ['core/test/tenant-isolation.test.ts'],
  },
  {
    rule: 'tenant-isolation replay: a write without an id confined to the tenant (PATCH /api/v1/tenant)',
    file: 'core/src/modules/tenancy/tenant.repo.ts',
    find: "const query = this.db.unscoped('tenant').where({ id: tenantId });",
    replace: "const query = this.db.unscoped('tenant');",
    tests: ['core/test/tenant-isolation.test.ts'],
  },
  {
    rule: 'a core module’s database reaches only the tables the module declares',
    file: 'core/src/store/oltp/oltp-store.ts',
    find: 'if (!this.tables.has(name)) {',
    replace: 'if (!name) {',
    tests: ['core/test/modules.test.ts'],
    testNamePattern: 'refuses a module query',
  },
  {
    rule: 'the contribution registry is frozen after start-up verification',
    file: 'core/src/kernel/contribution-registry.ts',
    find: '    if (this.frozen)\n      throw new PluginError(',
    replace: '    if (this.frozen && !this.frozen)\n      throw new PluginError(',
    tests: ['core/test/modules.test.ts'],
    testNamePattern: 'frozen',
  },
  {
    rule: 'plugins get only the core.* services of the plugin API',
    file: 'core/src/kernel/kernel.ts',
    find: "if (consumer.kind === 'plugin' && !serviceId.startsWith(PLUGIN_SERVICE_PREFIX)) {",
    replace: "if (consumer.kind === 'plugin' && serviceId === '') {",
    tests: ['core/test/modules.test.ts'],
    testNamePattern: 'a service of core modules',
  },
  {
    rule: 'lint: a module does not import another module’s repository, routes or module definition',
    file: 'eslint.config.js',
    find: "group: ['../**/*.repo.js', '../**/*.routes.js', '../**/*.module.js', '../*/index.js'],",
    replace: "group: ['../**/*.nothing.js'],",
    tests: ['core/test/modules.test.ts'],
    testNamePattern: 'repository, routes or module definition',
  },
  {
    rule: 'a change spanning modules commits or rolls back as one (setup: tenant + first staff)',
    file: 'core/src/store/oltp/oltp-store.ts',
    find: 'return this.knex.transaction((trx) => this.currentTransaction.run(trx, work), options);',
    replace: 'return work();',
    tests: ['core/test/modules.test.ts'],
    testNamePattern: 'rolls back a change spanning modules',
  },
  {
    rule: 'OLAP SQL may not name schema- or catalog-qualified relations (another tenant’s t_1.event_data)',
    file: 'core/src/store/olap/sql-guard.ts',
    find: 'if (ref.schema_name || ref.catalog_name) {',
    replace: 'if (false) {',
    tests: ['core/test/olap/sql-guard.test.ts'],
  },
  {
    rule: 'a tenant-scoped query refuses clearWhere()',
    file: 'core/src/store/oltp/tenant-query.ts',
    find: "['clearWhere', 'clearWhere() would remove the tenant condition'],",
    replace: "['clearWhereX', 'clearWhere() would remove the tenant condition'],",
    tests: ['core/test/oltp.test.ts'],
    testNamePattern: 'clearWhere',
  },
  {
    rule: 'a tenant-scoped query refuses sub-queries that are not tenant-scoped',
    file: 'core/src/store/oltp/tenant-query.ts',
    find: 'if (builderLike && !scopedBuilders.has(arg as object)) {',
    replace: 'if (builderLike && false) {',
    tests: ['core/test/oltp.test.ts'],
    testNamePattern: 'sub-queries that are not tenant-scoped',
  },
  {
    rule: 'a plugin may not take the id of a core module',
    file: 'core/src/kernel/plugin-tables.ts',
    find: 'if (coreModuleNames.includes(pluginId)) return',
    replace: "if (coreModuleNames.includes('')) return",
    tests: ['core/test/modules.test.ts'],
    testNamePattern: 'taking the id of a core module',
  },
  {
    rule: 'a worker’s writes are fenced by its claim’s attempt',
    file: 'core/src/jobs/task-queue.ts',
    find: 'lease_owner: task.lease.owner, attempts: task.lease.attempt });',
    replace: 'lease_owner: task.lease.owner });',
    tests: ['core/test/jobs.test.ts'],
    testNamePattern: 'fences by the attempt',
  },
  {
    rule: 'request logs never carry the session cookie (only harmless headers are logged)',
    file: 'core/src/server/request-log.ts',
    find: "const USEFUL_HEADERS = ['user-agent',",
    replace: "const USEFUL_HEADERS = ['cookie', 'user-agent',",
    tests: ['core/test/logs.test.ts'],
  },
  {
    rule: 'cancelling a task needs tasks.cancel, not tasks.view',
    file: 'core/src/jobs/tasks.routes.ts',
    find: "access: { permission: 'tasks.cancel', callers: 'any' },",
    replace: "access: { permission: 'tasks.view', callers: 'any' },",
    tests: ['core/test/security.test.ts'],
    testNamePattern: 'needs tasks.cancel',
  },
  {
    rule: 'a bearer token on a console-only route answers 403 console_only_route',
    file: 'core/src/server/auth.ts',
    find: "if (principal.kind === 'app' && (access.callers ?? 'staff') === 'staff') throw new ForbiddenError('console_only_route');",
    replace:
      "if (principal.kind === 'app' && (access.callers ?? 'staff') === 'nobody') throw new ForbiddenError('console_only_route');",
    tests: ['core/test/security.test.ts'],
    testNamePattern: 'console-only route',
  },
  {
    rule: 'the OLAP writer serves tenants round-robin (a busy tenant goes to the back of the line)',
    file: 'core/src/store/olap/olap-writer.ts',
    find: '    this.queues.delete(key);\n    if (queue.length) this.queues.set(key, queue);',
    replace: '    if (!queue.length) this.queues.delete(key);',
    tests: ['core/test/olap/olap-units.test.ts'],
    testNamePattern: 'round-robin',
  },
  {
    rule: 'result-file downloads are confined to the files directory',
    file: 'core/src/modules/files/files.service.ts',
    find: '    const confined = this.confine(row!.storage_path);',
    replace: '    const confined = path.resolve(this.root, row!.storage_path);',
    tests: ['core/test/data-files.test.ts'],
    testNamePattern: 'outside the files directory',
  },
  {
    rule: 'the worker refills free slots while a long task runs',
    file: 'core/src/jobs/worker.ts',
    find: '    const free = this.concurrency - this.running.size;',
    replace: '    const free = this.running.size > 0 ? 0 : this.concurrency;',
    tests: ['core/test/jobs.test.ts'],
    testNamePattern: 'refills a free slot',
  },
  {
    rule: 'cron expressions with a seconds field are refused',
    file: 'core/src/jobs/cron.ts',
    find: "  if (!trimmed.startsWith('@') && fields !== 5) {",
    replace: "  if (!trimmed.startsWith('@') && fields < 5) {",
    tests: ['core/test/jobs.test.ts'],
    testNamePattern: 'refuses seconds',
  },
  {
    rule: 'the data directory is private (0700)',
    file: 'core/src/config/data-dir.ts',
    find: 'export const PRIVATE_DIR_MODE = 0o700;',
    replace: 'export const PRIVATE_DIR_MODE = 0o755;',
    tests: ['core/test/data-files.test.ts'],
    testNamePattern: '0700',
  },
  {
    rule: 'the login throttle checks at most 5 parallel wrong guesses against argon2',
    file: 'core/src/modules/staff/auth.service.ts',
    find: '  pair: lockAfter({\n    max: LOGIN_MAX_FAILURES,',
    replace: '  pair: lockAfter({\n    max: LOGIN_MAX_FAILURES * 100,',
    tests: ['core/test/login-abuse.test.ts'],
    testNamePattern: '40 parallel wrong guesses',
  },
];
