import { expectPluginContract } from '@huiliu/core/testing';
import { describe, expect, it } from 'vitest';
import deptDemo from '../fixtures/dept-demo.plugin.js';
import { testEngines } from '../support/engines.js';
import { normalStaff } from '../support/staff.js';
import { Client, createTenant, describeEngines, type TestApp } from '../support/test-app.js';

/**
 * Every row of the seed's tables of 业务对象分配所属部门 (§1.11.4.5.5) and its three 案例, on the fixture
 * plugin `dept-demo` (boards = 仪表盘, folders = 仪表盘文件夹), whose every rule is a call to
 * `coreServices.departments`.
 *
 * The org chart, reconstructed from the three cases (ADR 0023; the seed's figure is not in its text):
 *
 *   总公司 (U1)
 *   ├── 市场部 (U2)
 *   │   └── 市场一组 (U3)
 *   └── 销售部 (U4)
 *       └── 销售一组 (U5)
 */

interface Folder {
  id: string;
  name: string;
  parentId: string | null;
  departmentId: string | null;
}
interface Board {
  id: string;
  name: string;
  folderId: string | null;
  departmentId: string | null;
}

const BASE = '/api/v1/p/dept-demo';

/** A signed-in staff member and the fixture's API as it sees it. */
class Member {
  constructor(
    readonly client: Client,
    readonly staffId: string,
  ) {}

  async folder(name: string, parentId?: string | null): Promise<Folder> {
    const res = await this.client.request('POST', `${BASE}/folders`, { name, parentId });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return res.body as Folder;
  }

  async board(name: string, folderId?: string | null): Promise<Board> {
    const res = await this.client.request('POST', `${BASE}/boards`, { name, folderId });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return res.body as Board;
  }

  /** What the folder picker and the board list show, by name. */
  async sees(): Promise<{ folders: string[]; boards: string[] }> {
    const folders = (await this.client.request('GET', `${BASE}/folders`)).body.items as Folder[];
    const boards = (await this.client.request('GET', `${BASE}/boards`)).body.items as Board[];
    return { folders: folders.map((f) => f.name).sort(), boards: boards.map((b) => b.name).sort() };
  }

  reassignBoard(boardId: string, departmentId: string) {
    return this.client.request('PUT', `${BASE}/boards/${boardId}/department`, { departmentId });
  }

  reassignFolder(folderId: string, departmentId: string) {
    return this.client.request('PUT', `${BASE}/folders/${folderId}/department`, { departmentId });
  }

  moveBoard(boardId: string, folderId: string | null) {
    return this.client.request('POST', `${BASE}/boards/${boardId}/move`, { folderId });
  }

  moveFolder(folderId: string, parentId: string | null) {
    return this.client.request('POST', `${BASE}/folders/${folderId}/move`, { parentId });
  }

  async boardNow(boardId: string): Promise<Board> {
    return (await this.client.request('GET', `${BASE}/boards/${boardId}`)).body as Board;
  }
}

/** A tenant with the reconstructed org chart, U1..U5 in it, a normal staff member without a department, and 组织架构 on. */
async function organisation(app: TestApp, options: { orgEnabled?: boolean } = {}) {
  const tenant = await createTenant(app);
  const adminClient = await Client.staff(app.server, tenant.email, tenant.password);
  const department = async (name: string, parentId?: string) => {
    const res = await adminClient.request('POST', '/api/v1/departments', { name, parentId });
    expect(res.statusCode).toBe(201);
    return res.body.id as string;
  };
  const hq = await department('总公司');
  const marketing = await department('市场部', hq);
  const marketing1 = await department('市场一组', marketing);
  const sales = await department('销售部', hq);
  const sales1 = await department('销售一组', sales);
  const member = async (departmentId: string | null) => {
    const client = await normalStaff(app, tenant.tenantId);
    const staffId = (await client.request('GET', '/api/v1/auth/session')).body.staff.id as string;
    if (departmentId) {
      const res = await adminClient.request('PUT', `/api/v1/staff/${staffId}/department`, { departmentId });
      expect(res.statusCode).toBe(200);
    }
    return new Member(client, staffId);
  };
  const [U1, U2, U3, U4, U5, nobody] = [
    await member(hq),
    await member(marketing),
    await member(marketing1),
    await member(sales),
    await member(sales1),
    await member(null),
  ];
  const setOrg = async (orgEnabled: boolean) => {
    const res = await adminClient.request('PUT', '/api/v1/departments/settings', { orgEnabled });
    expect(res.statusCode).toBe(200);
  };
  await setOrg(options.orgEnabled ?? true);
  const admin = new Member(adminClient, tenant.staffId);
  return { tenant, admin, setOrg, U1, U2, U3, U4, U5, nobody, d: { hq, marketing, marketing1, sales, sales1 } };
}

const refused = (res: { statusCode: number; body: { code?: string } }, statusCode: number, code: string) => {
  expect(res.statusCode, JSON.stringify(res.body)).toBe(statusCode);
  expect(res.body.code).toBe(code);
};

describeEngines(
  'department data permissions (seed §1.11.4.5.5) on a fixture object type',
  (ctx) => {
    // ---- 新增业务对象的初始部门: 新增仪表盘 ----

    it('新增仪表盘 in a folder that has a department: the board takes the folder’s department, not the creator’s', async () => {
      const { admin, U1, d } = await organisation(ctx.app);
      const folder = await admin.folder('销售看板');
      expect((await admin.reassignFolder(folder.id, d.sales)).statusCode).toBe(200);
      const board = await U1.board('周报', folder.id);
      expect(board).toMatchObject({ folderId: folder.id, departmentId: d.sales });
    });

    it('新增仪表盘 in a folder without a department: the board takes the creator’s department', async () => {
      const { admin, U2, d } = await organisation(ctx.app);
      const folder = await admin.folder('公共');
      expect(folder.departmentId).toBeNull();
      expect(await U2.board('活动', folder.id)).toMatchObject({ folderId: folder.id, departmentId: d.marketing });
    });

    it('新增仪表盘 outside any folder: the creator’s department — none for a creator without one', async () => {
      const { admin, U4, nobody, d } = await organisation(ctx.app);
      expect(await U4.board('业绩')).toMatchObject({ folderId: null, departmentId: d.sales });
      expect(await nobody.board('无部门')).toMatchObject({ departmentId: null });
      // Super staff without a department too.
      expect(await admin.board('管理员的')).toMatchObject({ departmentId: null });
    });

    // ---- 新增业务对象的初始部门: 新建文件夹 ----

    it('新建父文件夹: the folder takes the creator’s department', async () => {
      const { U2, d } = await organisation(ctx.app);
      expect(await U2.folder('市场')).toMatchObject({ parentId: null, departmentId: d.marketing });
    });

    it('新建子文件夹 under a folder with a department: the sub-folder takes its parent’s, not the creator’s', async () => {
      const { U1, U2, d } = await organisation(ctx.app);
      const parent = await U2.folder('市场');
      expect(await U1.folder('市场-子', parent.id)).toMatchObject({ parentId: parent.id, departmentId: d.marketing });
    });

    it('新建子文件夹 under a folder without a department: the sub-folder takes the creator’s department', async () => {
      const { admin, U4, d } = await organisation(ctx.app);
      const parent = await admin.folder('公共');
      expect(await U4.folder('销售-子', parent.id)).toMatchObject({ parentId: parent.id, departmentId: d.sales });
    });

    // ---- 更改仪表盘所属部门 ----

    it('更改仪表盘所属部门 in a folder that has a department: refused, for anyone (it follows the folder)', async () => {
      const { admin, U1, U2, d } = await organisation(ctx.app);
      const folder = await U2.folder('市场');
      const board = await U2.board('活动', folder.id);
      refused(await U2.reassignBoard(board.id, d.marketing1), 400, 'department_set_by_folder');
      refused(await U1.reassignBoard(board.id, d.hq), 400, 'department_set_by_folder');
      refused(await admin.reassignBoard(board.id, d.sales), 400, 'department_set_by_folder');
      expect((await U2.boardNow(board.id)).departmentId).toBe(d.marketing);
    });

    it('更改仪表盘所属部门 in a folder without a department: only to the caller’s department or one below it', async () => {
      const { admin, U2, U3, d } = await organisation(ctx.app);
      const folder = await admin.folder('公共');
      const board = await U2.board('活动', folder.id);
      refused(await U2.reassignBoard(board.id, d.hq), 400, 'department_outside_own');
      refused(await U2.reassignBoard(board.id, d.sales), 400, 'department_outside_own');
      refused(await U2.reassignBoard(board.id, d.sales1), 400, 'department_outside_own');
      const res = await U2.reassignBoard(board.id, d.marketing1);
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatchObject({ folderId: folder.id, departmentId: d.marketing1 });
      // 市场一组 sees it now; 市场部 above still does.
      expect((await U3.sees()).boards).toEqual(['活动']);
      expect((await U2.sees()).boards).toEqual(['活动']);
    });

    it('更改仪表盘所属部门 outside any folder: only to the caller’s department or one below it', async () => {
      const { U4, U5, nobody, d } = await organisation(ctx.app);
      const board = await U4.board('业绩');
      refused(await U4.reassignBoard(board.id, d.marketing), 400, 'department_outside_own');
      refused(await U4.reassignBoard(board.id, d.hq), 400, 'department_outside_own');
      expect((await U4.reassignBoard(board.id, d.sales1)).body.departmentId).toBe(d.sales1);
      expect((await U4.reassignBoard(board.id, d.sales)).body.departmentId).toBe(d.sales);
      // A staff member without a department has nothing to choose from.
      const own = await nobody.board('无部门');
      refused(await nobody.reassignBoard(own.id, d.sales), 400, 'department_outside_own');
      // One it does not see: 无权限 before anything else.
      refused(await U5.reassignBoard(board.id, d.sales1), 403, 'department_no_access');
    });

    // ---- 更改文件夹所属部门 ----

    it('更改父文件夹所属部门: only within the caller’s department; every sub-folder and board below follows', async () => {
      const { admin, U1, U2, U4, d } = await organisation(ctx.app);
      const parent = await admin.folder('1');
      const child = await admin.folder('1.1', parent.id);
      const a = await U4.board('a', child.id); // 销售部, in a folder without a department
      const b = await admin.board('b', parent.id); // none
      const outside = await U4.board('外面'); // 销售部, in no folder

      refused(await U2.reassignFolder(parent.id, d.sales), 400, 'department_outside_own');
      const res = await U1.reassignFolder(parent.id, d.marketing);
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatchObject({ id: parent.id, departmentId: d.marketing });

      const all = (await admin.client.request('GET', `${BASE}/boards`)).body.items as Board[];
      expect(all.map((x) => [x.name, x.departmentId])).toEqual([
        ['a', d.marketing],
        ['b', d.marketing],
        ['外面', d.sales],
      ]);
      const folders = (await admin.client.request('GET', `${BASE}/folders`)).body.items as Folder[];
      expect(folders.map((f) => [f.name, f.departmentId])).toEqual([
        ['1', d.marketing],
        ['1.1', d.marketing],
      ]);
      expect([a.id, b.id, outside.id]).toHaveLength(3);
    });

    it('更改子文件夹所属部门 whose parent has a department: refused (it follows the parent)', async () => {
      const { U1, U2, admin, d } = await organisation(ctx.app);
      const parent = await U2.folder('市场');
      const child = await U2.folder('市场-子', parent.id);
      refused(await U2.reassignFolder(child.id, d.marketing1), 400, 'department_set_by_parent_folder');
      refused(await U1.reassignFolder(child.id, d.hq), 400, 'department_set_by_parent_folder');
      refused(await admin.reassignFolder(child.id, d.sales), 400, 'department_set_by_parent_folder');
    });

    it('更改子文件夹所属部门 whose parent has none: allowed within the caller’s department; its boards follow, nothing else', async () => {
      const { admin, U4, d } = await organisation(ctx.app);
      const parent = await admin.folder('公共');
      const child = await admin.folder('子', parent.id);
      const sibling = await admin.folder('兄弟', parent.id);
      await admin.board('子里的', child.id);
      await admin.board('兄弟里的', sibling.id);
      await admin.board('父里的', parent.id);
      refused(await U4.reassignFolder(child.id, d.marketing), 400, 'department_outside_own');
      expect((await U4.reassignFolder(child.id, d.sales1)).body.departmentId).toBe(d.sales1);

      const boards = (await admin.client.request('GET', `${BASE}/boards`)).body.items as Board[];
      expect(boards.map((x) => [x.name, x.departmentId])).toEqual([
        ['子里的', d.sales1],
        ['兄弟里的', null],
        ['父里的', null],
      ]);
      const folders = (await admin.client.request('GET', `${BASE}/folders`)).body.items as Folder[];
      expect(folders.map((f) => [f.name, f.departmentId])).toEqual([
        ['公共', null],
        ['子', d.sales1],
        ['兄弟', null],
      ]);
    });

    // ---- 添加至目录 / 移至目录 ----

    it('添加至目录: the folder picker shows only folders the caller sees', async () => {
      const { admin, U2, U3, U4, d } = await organisation(ctx.app);
      await admin.folder('公共');
      await U2.folder('市场');
      await U3.folder('市场一组的');
      await U4.folder('销售');
      expect((await U2.sees()).folders).toEqual(['公共', '市场', '市场一组的']);
      expect((await U3.sees()).folders).toEqual(['公共', '市场一组的']);
      expect((await U4.sees()).folders).toEqual(['公共', '销售']);
      expect((await admin.sees()).folders).toEqual(['公共', '市场', '市场一组的', '销售']);
      expect(d.hq).toBeTruthy();
    });

    it('将仪表盘添加至目录: into a folder with a department the board takes it; into one without it keeps its own', async () => {
      const { admin, U1, U2, d } = await organisation(ctx.app);
      const sales = await admin.folder('销售');
      await admin.reassignFolder(sales.id, d.sales);
      const open = await admin.folder('公共');
      const board = await U2.board('活动'); // 市场部

      const kept = await U2.moveBoard(board.id, open.id);
      expect(kept.statusCode).toBe(200);
      expect(kept.body).toMatchObject({ folderId: open.id, departmentId: d.marketing });
      // U2 does not see the 销售部 folder: it cannot pick it (无权限).
      refused(await U2.moveBoard(board.id, sales.id), 403, 'department_no_access');
      // U1 (above both) moves it there: it becomes 销售部's.
      const taken = await U1.moveBoard(board.id, sales.id);
      expect(taken.body).toMatchObject({ folderId: sales.id, departmentId: d.sales });
      expect((await U2.sees()).boards).toEqual([]);
      // Out of every folder it keeps its department.
      expect((await U1.moveBoard(board.id, null)).body).toMatchObject({ folderId: null, departmentId: d.sales });
    });

    it('将文件夹移至其他目录: into a folder with a department it takes it (and passes it on); into one without it keeps its own', async () => {
      const { admin, U1, U4, d } = await organisation(ctx.app);
      const marketing = await admin.folder('市场');
      await admin.reassignFolder(marketing.id, d.marketing);
      const open = await admin.folder('公共');
      const moving = await U4.folder('销售'); // 销售部
      const inside = await U4.folder('销售-子', moving.id);
      const board = await U4.board('业绩', inside.id);

      const kept = await U4.moveFolder(moving.id, open.id);
      expect(kept.body).toMatchObject({ parentId: open.id, departmentId: d.sales });
      // 销售部 staff do not see the 市场部 folder in the picker.
      refused(await U4.moveFolder(moving.id, marketing.id), 403, 'department_no_access');
      const taken = await U1.moveFolder(moving.id, marketing.id);
      expect(taken.body).toMatchObject({ parentId: marketing.id, departmentId: d.marketing });
      expect((await U1.boardNow(board.id)).departmentId).toBe(d.marketing);
      const folders = (await U1.client.request('GET', `${BASE}/folders`)).body.items as Folder[];
      expect(folders.find((f) => f.id === inside.id)?.departmentId).toBe(d.marketing);
      // Not into itself or below itself.
      refused(await U1.moveFolder(marketing.id, inside.id), 400, 'dept_demo_folder_cycle');
    });

    // ---- 查看业务对象数据 ----

    it('查看: objects without a department are everyone’s; others belong to their department and the ones above only', async () => {
      const { admin, U1, U2, U3, U4, U5, nobody } = await organisation(ctx.app);
      await admin.board('公共');
      await U3.board('市场一组的');
      await U4.board('销售部的');
      expect((await U1.sees()).boards).toEqual(['公共', '市场一组的', '销售部的']);
      expect((await U2.sees()).boards).toEqual(['公共', '市场一组的']);
      expect((await U3.sees()).boards).toEqual(['公共', '市场一组的']);
      expect((await U4.sees()).boards).toEqual(['公共', '销售部的']);
      expect((await U5.sees()).boards).toEqual(['公共']);
      expect((await nobody.sees()).boards).toEqual(['公共']);
      // Super staff (高级员工) see everything.
      expect((await admin.sees()).boards).toEqual(['公共', '市场一组的', '销售部的']);
    });

    it('opens a board it cannot see as 无权限 (a dashboard card whose report is not visible)', async () => {
      const { U2, U4 } = await organisation(ctx.app);
      const board = await U4.board('销售报表');
      refused(await U2.client.request('GET', `${BASE}/boards/${board.id}`), 403, 'department_no_access');
      expect((await U4.client.request('GET', `${BASE}/boards/${board.id}`)).statusCode).toBe(200);
    });

    // ---- 案例说明 ----

    it('案例③ then ①: nothing assigned, everyone sees 1, 1.1, a, b; folder 1 given to 市场部, only U1 and U2 see them', async () => {
      const o = await organisation(ctx.app);
      const folder1 = await o.admin.folder('1');
      const folder11 = await o.admin.folder('1.1', folder1.id);
      await o.admin.board('a', folder11.id);
      await o.admin.board('b', folder1.id);

      // ③ 文件夹及其下业务对象均未分配部门.
      for (const u of [o.U1, o.U2, o.U3, o.U4, o.U5])
        expect(await u.sees()).toEqual({ folders: ['1', '1.1'], boards: ['a', 'b'] });

      // ① 文件夹和其下子文件夹、其下业务对象的所属部门均一致 (the cascade makes it so).
      expect((await o.U2.reassignFolder(folder1.id, o.d.marketing)).statusCode).toBe(200);
      for (const u of [o.U1, o.U2]) expect(await u.sees()).toEqual({ folders: ['1', '1.1'], boards: ['a', 'b'] });
      for (const u of [o.U3, o.U4, o.U5]) expect(await u.sees()).toEqual({ folders: [], boards: [] });
    });

    it('案例②: folder 1 unassigned, what is under it assigned — exactly the seed’s table for U1..U5', async () => {
      const o = await organisation(ctx.app);
      // Built by the rules only: a folder of nobody's, a sub-folder and a board of 市场部, a board of 销售部, one of nobody's.
      const folder1 = await o.nobody.folder('1');
      const folder11 = await o.U2.folder('1.1', folder1.id);
      expect(folder11.departmentId).toBe(o.d.marketing);
      expect((await o.U2.board('a', folder11.id)).departmentId).toBe(o.d.marketing);
      expect((await o.U4.board('b', folder1.id)).departmentId).toBe(o.d.sales);
      expect((await o.nobody.board('c', folder1.id)).departmentId).toBeNull();

      expect(await o.U1.sees()).toEqual({ folders: ['1', '1.1'], boards: ['a', 'b', 'c'] });
      expect(await o.U2.sees()).toEqual({ folders: ['1', '1.1'], boards: ['a', 'c'] });
      expect(await o.U4.sees()).toEqual({ folders: ['1'], boards: ['b', 'c'] });
      expect(await o.U3.sees()).toEqual({ folders: ['1'], boards: ['c'] });
      expect(await o.U5.sees()).toEqual({ folders: ['1'], boards: ['c'] });
    });

    // ---- the switch, other tenants, deletion ----

    it('with 组织架构 off everyone sees everything, nothing gets a creator’s department, and nothing can be reassigned', async () => {
      const o = await organisation(ctx.app);
      await o.U2.board('市场的');
      await o.U4.board('销售的');
      await o.setOrg(false);
      for (const u of [o.U1, o.U2, o.U3, o.U4, o.U5, o.nobody]) expect((await u.sees()).boards).toEqual(['市场的', '销售的']);
      const created = await o.U3.board('关闭时新建');
      expect(created.departmentId).toBeNull();
      refused(await o.U3.reassignBoard(created.id, o.d.marketing1), 400, 'department_org_disabled');
      refused(await o.admin.reassignBoard(created.id, o.d.marketing1), 400, 'department_org_disabled');
      // Switched on again, the old departments apply again.
      await o.setOrg(true);
      expect((await o.U5.sees()).boards).toEqual(['关闭时新建']);
    });

    it('keeps tenants apart: another tenant’s boards, folders and departments answer 404', async () => {
      const victim = await organisation(ctx.app);
      const folder = await victim.U2.folder('受害文件夹');
      const board = await victim.U2.board('受害看板', folder.id);
      const attacker = await organisation(ctx.app);
      const mine = await attacker.U2.board('我的');

      for (const u of [attacker.admin, attacker.U1]) expect(await u.sees()).toEqual({ folders: [], boards: ['我的'] });
      refused(await attacker.admin.client.request('GET', `${BASE}/boards/${board.id}`), 404, 'not_found');
      refused(await attacker.admin.reassignBoard(board.id, attacker.d.hq), 404, 'not_found');
      refused(await attacker.admin.reassignFolder(folder.id, attacker.d.hq), 404, 'not_found');
      refused(await attacker.admin.moveBoard(mine.id, folder.id), 404, 'not_found');
      refused(await attacker.admin.moveFolder(folder.id, null), 404, 'not_found');
      const res = await attacker.admin.client.request('POST', `${BASE}/boards`, { name: 'x', folderId: folder.id });
      refused(res, 404, 'not_found');
      // A victim's department is no department here.
      refused(await attacker.U2.reassignBoard(mine.id, victim.d.marketing), 404, 'department_not_found');
      expect((await victim.U2.boardNow(board.id)).departmentId).toBe(victim.d.marketing);
    });

    it('refuses to delete a department that business objects still belong to', async () => {
      const o = await organisation(ctx.app);
      const board = await o.U3.board('一组的'); // 市场一组 (no staff would block it once U3 leaves)
      await o.admin.client.request('PUT', `/api/v1/staff/${o.U3.staffId}/department`, { departmentId: null });
      refused(await o.admin.client.request('DELETE', `/api/v1/departments/${o.d.marketing1}`), 400, 'department_in_use');
      await o.U2.reassignBoard(board.id, o.d.marketing);
      expect((await o.admin.client.request('DELETE', `/api/v1/departments/${o.d.marketing1}`)).statusCode).toBe(204);
    });
  },
  { plugins: [deptDemo] },
);

describe('the fixture object type is a plugin like any other', () => {
  it('passes the plugin contract: its two tables migrate up and down on every engine', async () => {
    const engines = testEngines().map((engine) => (engine === 'mariadb' ? 'mysql' : 'sqlite'));
    const report = await expectPluginContract(deptDemo, { engines });
    for (const run of report.migrations)
      expect(run).toMatchObject({ up: ['dept_demo__board', 'dept_demo__folder'], downLeftTables: [] });
  });
});
