import type { HuiliuApp } from '../../src/app.js';
import { hashPassword } from '../../src/lib/password.js';
import { Client, type TestApp } from './test-app.js';

let sequence = 0;

/**
 * A signed-in normal staff member (not 高级员工) of the tenant: until roles exist it holds only the
 * fixed permissions, which is what permission tests need.
 */
export async function normalStaff(app: TestApp, tenantId: string): Promise<Client> {
  sequence += 1;
  const email = `normal.${process.pid}.${Date.now()}.${sequence}@example.com`;
  const now = Date.now();
  await app.oltp.forTenant(tenantId).insert('staff', {
    email,
    name: '运营',
    password_hash: await hashPassword('Normal-pass-1'),
    is_super: false,
    status: 'enabled',
    created_at: now,
    updated_at: now,
  });
  return Client.staff(app.server, email, 'Normal-pass-1');
}

/** A normal staff member of the tenant, not signed in: its id and credentials. */
export async function staffMember(
  app: HuiliuApp,
  tenantId: string,
): Promise<{ staffId: string; email: string; password: string }> {
  sequence += 1;
  const email = `member.${process.pid}.${Date.now()}.${sequence}@example.com`;
  const password = 'Member-pass-1';
  const now = Date.now();
  const staffId = await app.oltp.forTenant(tenantId).insert('staff', {
    email,
    name: '成员',
    password_hash: await hashPassword(password),
    is_super: false,
    status: 'enabled',
    created_at: now,
    updated_at: now,
  });
  return { staffId, email, password };
}
