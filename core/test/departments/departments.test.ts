import { expect, it } from 'vitest';
import { normalStaff } from '../support/staff.js';
import { Client, createTenant, describeEngines } from '../support/test-app.js';

describeEngines('departments: the tree, the 组织架构 switch and staff assignment', (ctx) => {
  async function admin() {
    const tenant = await createTenant(ctx.app);
    const client = await Client.staff(ctx.app.server, tenant.email, tenant.password);
    const create = async (name: string, parentId?: string | null) => {
      const res = await client.request('POST', '/api/v1/departments', { name, parentId });
      expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const tree = async () => (await client.request('GET', '/api/v1/departments')).body;
    return { tenant, client, create, tree };
  }

  async function staffIdOf(client: Client): Promise<string> {
    return (await client.request('GET', '/api/v1/auth/session')).body.staff.id as string;
  }

  // ---- failure paths first ----

  it('refuses every change to normal staff (高级员工 only) but lets them read the tree for pickers', async () => {
    const { tenant, create } = await admin();
    const id = await create('市场部');
    const normal = await normalStaff(ctx.app, tenant.tenantId);
    const staffId = await staffIdOf(normal);
    const attempts: [string, string, unknown][] = [
      ['POST', '/api/v1/departments', { name: 'x' }],
      ['PATCH', `/api/v1/departments/${id}`, { name: 'x' }],
      ['DELETE', `/api/v1/departments/${id}`, undefined],
      ['GET', `/api/v1/departments/${id}/staff`, undefined],
      ['PUT', '/api/v1/departments/settings', { orgEnabled: true }],
      ['PUT', `/api/v1/staff/${staffId}/department`, { departmentId: id }],
    ];
    for (const [method, url, payload] of attempts) {
      const res = await normal.request(method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
    const read = await normal.request('GET', '/api/v1/departments');
    expect(read.statusCode).toBe(200);
    expect(read.body.departments.map((d: { name: string }) => d.name)).toEqual(['市场部']);
  });

  it('rejects a blank or over-long name and an unknown parent', async () => {
    const { client } = await admin();
    const blank = await client.request('POST', '/api/v1/departments', { name: '  ' });
    expect(blank.statusCode).toBe(400);
    expect(blank.body).toMatchObject({ code: 'validation_failed', details: [{ path: 'name' }] });
    const long = await client.request('POST', '/api/v1/departments', { name: '部'.repeat(65) });
    expect(long.statusCode).toBe(400);
    const orphan = await client.request('POST', '/api/v1/departments', { name: '孤儿', parentId: '999999999' });
    expect(orphan.statusCode).toBe(404);
    expect(orphan.body.code).toBe('department_not_found');
  });

  it('keeps names unique among siblings only', async () => {
    const { client, create } = await admin();
    const hq = await create('总公司');
    const marketing = await create('市场部', hq);
    const sales = await create('销售部', hq);
    const again = await client.request('POST', '/api/v1/departments', { name: '市场部', parentId: hq });
    expect(again.statusCode).toBe(400);
    expect(again.body).toMatchObject({ code: 'department_name_taken', params: { name: '市场部' } });
    // The same name under another parent, and at the top level, is fine.
    await create('一组', marketing);
    await create('一组', sales);
    await create('市场部');
    // Renaming into a sibling's name, or moving next to a namesake, is refused too.
    const rename = await client.request('PATCH', `/api/v1/departments/${sales}`, { name: '市场部' });
    expect(rename.body).toMatchObject({ code: 'department_name_taken', params: { name: '市场部' } });
    const moved = await client.request('PATCH', `/api/v1/departments/${marketing}`, { parentId: null });
    expect(moved.statusCode).toBe(400);
    expect(moved.body).toMatchObject({ code: 'department_name_taken', params: { name: '市场部' } });
  });

  it('refuses a move that would make a cycle: under itself or under one of its sub-departments', async () => {
    const { client, create, tree } = await admin();
    const hq = await create('总公司');
    const marketing = await create('市场部', hq);
    const team = await create('市场一组', marketing);
    for (const parentId of [hq, marketing, team]) {
      const res = await client.request('PATCH', `/api/v1/departments/${hq}`, { parentId });
      expect(res.statusCode).toBe(400);
      expect(res.body.code).toBe('department_cycle');
    }
    const deep = await client.request('PATCH', `/api/v1/departments/${marketing}`, { parentId: team });
    expect(deep.body.code).toBe('department_cycle');
    // Nothing moved.
    expect((await tree()).departments.map((d: { id: string; parentId: string | null }) => [d.id, d.parentId])).toEqual([
      [hq, null],
      [marketing, hq],
      [team, marketing],
    ]);
  });

  it('refuses to delete a department with sub-departments or staff, and deletes an empty one', async () => {
    const { tenant, client, create, tree } = await admin();
    const hq = await create('总公司');
    const marketing = await create('市场部', hq);
    const withChildren = await client.request('DELETE', `/api/v1/departments/${hq}`);
    expect(withChildren.statusCode).toBe(400);
    expect(withChildren.body.code).toBe('department_has_children');

    const normal = await normalStaff(ctx.app, tenant.tenantId);
    const staffId = await staffIdOf(normal);
    await client.request('PUT', `/api/v1/staff/${staffId}/department`, { departmentId: marketing });
    const withStaff = await client.request('DELETE', `/api/v1/departments/${marketing}`);
    expect(withStaff.statusCode).toBe(400);
    expect(withStaff.body.code).toBe('department_has_staff');

    await client.request('PUT', `/api/v1/staff/${staffId}/department`, { departmentId: null });
    expect((await client.request('DELETE', `/api/v1/departments/${marketing}`)).statusCode).toBe(204);
    expect((await client.request('DELETE', `/api/v1/departments/${hq}`)).statusCode).toBe(204);
    expect((await tree()).departments).toEqual([]);
    const gone = await client.request('DELETE', `/api/v1/departments/${hq}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.body.code).toBe('department_not_found');
  });

  it('answers 404 for another tenant’s departments and staff, and changes nothing of theirs', async () => {
    const victim = await admin();
    const victimDept = await victim.create('受害部门');
    const attacker = await admin();
    const mine = await attacker.create('我的部门');
    const calls: [string, string, unknown, string][] = [
      ['PATCH', `/api/v1/departments/${victimDept}`, { name: 'hijacked' }, 'department_not_found'],
      ['PATCH', `/api/v1/departments/${mine}`, { parentId: victimDept }, 'department_not_found'],
      ['POST', '/api/v1/departments', { name: 'x', parentId: victimDept }, 'department_not_found'],
      ['DELETE', `/api/v1/departments/${victimDept}`, undefined, 'department_not_found'],
      ['GET', `/api/v1/departments/${victimDept}/staff`, undefined, 'department_not_found'],
      ['PUT', `/api/v1/staff/${victim.tenant.staffId}/department`, { departmentId: mine }, 'staff_not_found'],
      ['PUT', `/api/v1/staff/${attacker.tenant.staffId}/department`, { departmentId: victimDept }, 'department_not_found'],
    ];
    for (const [method, url, payload, code] of calls) {
      const res = await attacker.client.request(method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.body.code).toBe(code);
    }
    expect((await victim.tree()).departments).toMatchObject([{ id: victimDept, name: '受害部门', parentId: null }]);
    expect((await attacker.tree()).departments.map((d: { name: string }) => d.name)).toEqual(['我的部门']);
    const victimStaff = await victim.client.request('GET', `/api/v1/departments/${victimDept}/staff`);
    expect(victimStaff.body.items).toEqual([]);
  });

  // ---- what works ----

  it('builds a tree: parents before children, siblings in order, moved and renamed', async () => {
    const { client, create, tree } = await admin();
    const hq = await create('总公司');
    const marketing = await create('市场部', hq);
    const sales = await create('销售部', hq);
    const team = await create('市场一组', marketing);
    const it1 = await create('技术部', hq);
    expect((await tree()).departments.map((d: { name: string; sort: number }) => [d.name, d.sort])).toEqual([
      ['总公司', 0],
      ['市场部', 0],
      ['市场一组', 0],
      ['销售部', 1],
      ['技术部', 2],
    ]);
    // Drag 技术部 before 市场部, rename it, and move 市场一组 under 销售部.
    const moved = await client.request('PATCH', `/api/v1/departments/${it1}`, { position: 0, name: '研发部' });
    expect(moved.statusCode).toBe(200);
    expect(moved.body).toMatchObject({ id: it1, name: '研发部', parentId: hq, sort: 0 });
    const team2 = await client.request('PATCH', `/api/v1/departments/${team}`, { parentId: sales });
    expect(team2.body).toMatchObject({ parentId: sales, sort: 0 });
    // To the top level, first.
    await client.request('PATCH', `/api/v1/departments/${sales}`, { parentId: null, position: 0 });
    expect((await tree()).departments.map((d: { name: string; parentId: string | null }) => [d.name, d.parentId])).toEqual([
      ['销售部', null],
      ['市场一组', sales],
      ['总公司', null],
      ['研发部', hq],
      ['市场部', hq],
    ]);
    expect(marketing).toBeTruthy();
  });

  it('puts a staff member in one department at a time, and in none with null', async () => {
    const { tenant, client, create, tree } = await admin();
    const marketing = await create('市场部');
    const sales = await create('销售部');
    const normal = await normalStaff(ctx.app, tenant.tenantId);
    const staffId = await staffIdOf(normal);

    const put = await client.request('PUT', `/api/v1/staff/${staffId}/department`, { departmentId: marketing });
    expect(put.statusCode).toBe(200);
    expect(put.body).toEqual({ staffId, departmentId: marketing });
    const staffOf = async (id: string) =>
      (await client.request('GET', `/api/v1/departments/${id}/staff`)).body.items.map((s: { id: string }) => s.id);
    expect(await staffOf(marketing)).toEqual([staffId]);

    await client.request('PUT', `/api/v1/staff/${staffId}/department`, { departmentId: sales });
    expect(await staffOf(marketing)).toEqual([]);
    expect(await staffOf(sales)).toEqual([staffId]);
    expect((await tree()).departments.map((d: { name: string; staffCount: number }) => [d.name, d.staffCount])).toEqual([
      ['市场部', 0],
      ['销售部', 1],
    ]);
    // The staff member's own view: its department.
    expect((await normal.request('GET', '/api/v1/departments')).body.myDepartmentId).toBe(sales);

    await client.request('PUT', `/api/v1/staff/${staffId}/department`, { departmentId: null });
    expect(await staffOf(sales)).toEqual([]);
    expect((await normal.request('GET', '/api/v1/departments')).body.myDepartmentId).toBeNull();
  });

  it('switches 组织架构 on and off; what a staff member may assign is its department and below, only while on', async () => {
    const { tenant, client, create } = await admin();
    const hq = await create('总公司');
    const marketing = await create('市场部', hq);
    const team = await create('市场一组', marketing);
    await create('销售部', hq);
    const normal = await normalStaff(ctx.app, tenant.tenantId);
    await client.request('PUT', `/api/v1/staff/${await staffIdOf(normal)}/department`, { departmentId: marketing });

    const off = (await normal.request('GET', '/api/v1/departments')).body;
    expect(off).toMatchObject({ orgEnabled: false, myDepartmentId: marketing, assignableIds: [] });

    const on = await client.request('PUT', '/api/v1/departments/settings', { orgEnabled: true });
    expect(on.statusCode).toBe(200);
    expect(on.body).toEqual({ orgEnabled: true });
    expect((await normal.request('GET', '/api/v1/departments')).body).toMatchObject({
      orgEnabled: true,
      assignableIds: [marketing, team],
    });
    // Super staff may assign any department.
    expect((await client.request('GET', '/api/v1/departments')).body.assignableIds).toHaveLength(4);

    await client.request('PUT', '/api/v1/departments/settings', { orgEnabled: false });
    expect((await normal.request('GET', '/api/v1/departments')).body).toMatchObject({ orgEnabled: false, assignableIds: [] });
  });

  it('removes the assignment with the staff row', async () => {
    const { tenant, client, create, tree } = await admin();
    const marketing = await create('市场部');
    const staffId = await staffIdOf(await normalStaff(ctx.app, tenant.tenantId));
    await client.request('PUT', `/api/v1/staff/${staffId}/department`, { departmentId: marketing });
    expect((await tree()).departments[0].staffCount).toBe(1);
    // (Staff deletion belongs to the staff module; the foreign key takes the assignment with it.)
    await ctx.app.oltp.forTenant(tenant.tenantId).from('staff').where('staff.id', staffId).delete();
    expect((await tree()).departments[0].staffCount).toBe(0);
    expect((await client.request('DELETE', `/api/v1/departments/${marketing}`)).statusCode).toBe(204);
  });
});
