import { expect } from 'vitest';
import { Client, createTenant, type TestApp } from '../support/test-app.js';

let sequence = 0;

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
