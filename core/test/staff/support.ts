import { expect } from 'vitest';
import { Client, createTenant, type TestApp } from '../support/test-app.js';

let sequence = 0;

/** Signs in a new normal staff member of the tenant `admin` (its super staff) runs, holding a new role with `permissions`. */
export async function staffWithRole(app: TestApp, admin: Client, name: string, permissions: string[]): Promise<Client> {
  const role = await admin.request('POST', '/api/v1/roles', { name, permissions });
  expect(role.statusCode, JSON.stringify(role.body)).toBe(201);
  sequence += 1;
  const email = `${name}.${process.pid}.${Date.now()}.${sequence}@example.com`;
  const created = await admin.request('POST', '/api/v1/staff', {
    email,
    name,
    password: 'Member-pass-1',
    roleIds: [role.body.id],
  });
  expect(created.statusCode, JSON.stringify(created.body)).toBe(201);
  return Client.staff(app.server, email, 'Member-pass-1');
}

/** A tenant with its super staff signed in, and a way to add normal staff with roles. */
export async function rolesTenant(app: TestApp) {
  const tenant = await createTenant(app);
  const admin = await Client.staff(app.server, tenant.email, tenant.password);
  const role = async (name: string, permissions: string[]) => {
    const res = await admin.request('POST', '/api/v1/roles', { name, permissions });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; permissions: string[]; memberIds: string[] };
  };
  const member = async (roleIds: string[]) => {
    sequence += 1;
    const email = `member.${process.pid}.${Date.now()}.${sequence}@example.com`;
    const res = await admin.request('POST', '/api/v1/staff', { email, name: '运营', password: 'Member-pass-1', roleIds });
    expect(res.statusCode, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.id as string, email, login: () => Client.staff(app.server, email, 'Member-pass-1') };
  };
  return { tenant, admin, role, member };
}
