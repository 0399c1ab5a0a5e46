export * from './client';
export { writeAudit, type AuditActor, type AuditEntry } from './audit';
export { migrationsFolder } from './migrations-folder';
export * as schema from './schema';
