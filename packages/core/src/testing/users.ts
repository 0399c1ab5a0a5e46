import { randomUUID } from 'node:crypto';
import type { Db } from '@musar/db';
import { user } from '@musar/db/schema';
import type { Role } from '@musar/auth/permissions';
import type { SessionUser } from '../common/actor';

/** Inserts a user with the role (no password: tests call services or procedures directly). */
export async function insertTestUser(
  db: Db,
  role: Role | null,
  name?: string,
): Promise<SessionUser> {
  const id = randomUUID();
  const email = `${role ?? 'none'}-${id.slice(0, 8)}@test.local`;
  await db.insert(user).values({ id, email, name: name ?? `Test ${role}`, role });
  return { id, email, name: name ?? `Test ${role}`, role, banned: false };
}
