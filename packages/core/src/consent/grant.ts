// Recording consents and reading them back. Evidence files are kept as uploaded (PDF, PNG, JPEG or
// plain text, sniffed from their bytes, never trusted from the client's MIME type).
import { and, desc, eq, inArray } from 'drizzle-orm';
import { writeAudit, type Db } from '@musar/db';
import { consents, subjects } from '@musar/db/schema';
import { notFound, ServiceError } from '../common/errors';
import { iso } from '../common/schemas';
import { auditActor, actorId, EXPIRED_REASON, type TActor, type TConsentScope } from './consent';
import { sha256 } from '../subjects/reference-image';

/** A scanned release is a few MiB; files this large come through POST /api/consents/grant
 * (multipart), not a tRPC JSON body (1 MiB). */
export const MAX_EVIDENCE_BYTES = 8 * 1024 * 1024;
type ConsentRow = typeof consents.$inferSelect;

export type TConsentStatus = 'active' | 'pending' | 'expired' | 'revoked';

export function consentStatus(
  row: Pick<ConsentRow, 'revokedAt' | 'revokedBy' | 'revokedReason' | 'validFrom' | 'expiresAt'>,
  now = new Date(),
): TConsentStatus {
  if (row.revokedAt)
    return row.revokedReason === EXPIRED_REASON && !row.revokedBy ? 'expired' : 'revoked';
  if (row.expiresAt && row.expiresAt <= now) return 'expired';
  if (row.validFrom > now) return 'pending';
  return 'active';
}

/** A consent as the API shows it and the audit log records it: never the evidence bytes. */
export function toConsent(row: ConsentRow, now = new Date()) {
  return {
    id: row.id,
    subjectId: row.subjectId,
    scope: row.scope,
    status: consentStatus(row, now),
    grantedBy: row.grantedBy,
    recordedBy: row.recordedBy,
    evidence: row.evidence,
    // Size and hash as recorded at grant, so they stay after the file itself is erased.
    evidenceFile:
      row.evidenceFileSha256 !== null || row.evidenceFile !== null
        ? {
            name: row.evidenceFileName ?? 'evidence',
            mimeType: row.evidenceMimeType ?? 'application/octet-stream',
            bytes: row.evidenceFileBytes ?? row.evidenceFile?.length ?? 0,
            sha256: row.evidenceFileSha256 ?? sha256(row.evidenceFile!),
            /** The file was erased with its subject: its record stays, the bytes are gone. */
            erased: row.evidenceFile === null,
          }
        : null,
    validFrom: row.validFrom.toISOString(),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    revokedBy: row.revokedBy,
    revokedReason: row.revokedReason,
    createdAt: row.createdAt.toISOString(),
  };
}
export type TConsent = ReturnType<typeof toConsent>;

function sniffEvidence(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return bytes.includes(0) ? null : 'text/plain';
  } catch {
    return null;
  }
}

const EXTENSION: Record<string, string> = {
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'text/plain': '.txt',
};

/** The evidence file's name as stored and offered for download: its last path segment, letters,
 * digits, `.`, `-`, `_` and spaces only, no leading dot, at most 100 characters, and the extension
 * of the sniffed type (a text file called `x.html` is `x.txt`; `../../etc/passwd` is `passwd.txt`). */
export function safeEvidenceName(name: string, mimeType: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  const cleaned = last
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  const stem = cleaned.replace(/\.[^.]*$/, '').slice(0, 90) || 'evidence';
  return `${stem}${EXTENSION[mimeType] ?? ''}`;
}

export type TGrantInput = {
  subjectId: string;
  scope: TConsentScope;
  grantedBy: string;
  evidence: string;
  evidenceFile?: { name: string; bytes: Uint8Array };
  validFrom?: Date;
  expiresAt?: Date | null;
};

export async function grantConsent(db: Db, actor: TActor, input: TGrantInput) {
  const validFrom = input.validFrom ?? new Date();
  if (input.expiresAt && input.expiresAt <= validFrom)
    throw new ServiceError('BAD_REQUEST', 'expiresAt must be after validFrom');
  if (input.expiresAt && input.expiresAt <= new Date())
    throw new ServiceError('BAD_REQUEST', 'expiresAt is in the past');
  let mimeType: string | null = null;
  if (input.evidenceFile) {
    const { bytes } = input.evidenceFile;
    if (bytes.length === 0) throw new ServiceError('BAD_REQUEST', 'evidence file is empty');
    if (bytes.length > MAX_EVIDENCE_BYTES)
      throw new ServiceError(
        'BAD_REQUEST',
        `evidence file too large (limit ${MAX_EVIDENCE_BYTES} bytes)`,
      );
    mimeType = sniffEvidence(bytes);
    if (!mimeType)
      throw new ServiceError(
        'BAD_REQUEST',
        'evidence file must be a PDF, PNG, JPEG or plain-text file',
      );
  }
  return db.transaction(async (tx) => {
    const [subject] = await tx
      .select()
      .from(subjects)
      .where(eq(subjects.id, input.subjectId))
      .for('share');
    if (!subject) throw notFound('Subject');
    if (subject.erasedAt)
      throw new ServiceError(
        'CONFLICT',
        'The subject was erased; it cannot be given consent again',
      );
    const [row] = await tx
      .insert(consents)
      .values({
        subjectId: input.subjectId,
        scope: input.scope,
        grantedBy: input.grantedBy,
        recordedBy: actorId(actor),
        evidence: input.evidence,
        evidenceFile: input.evidenceFile?.bytes ?? null,
        evidenceFileName:
          input.evidenceFile && mimeType
            ? safeEvidenceName(input.evidenceFile.name, mimeType)
            : null,
        evidenceMimeType: mimeType,
        evidenceFileBytes: input.evidenceFile?.bytes.length ?? null,
        evidenceFileSha256: input.evidenceFile ? sha256(input.evidenceFile.bytes) : null,
        validFrom,
        expiresAt: input.expiresAt ?? null,
      })
      .returning();
    const consent = toConsent(row!);
    await writeAudit(tx, {
      actor: auditActor(actor),
      action: 'consent.grant',
      targetType: 'consent',
      targetId: consent.id,
      after: consent,
    });
    return consent;
  });
}

export async function listConsents(db: Db, input: { subjectIds: string[]; scope?: TConsentScope }) {
  const where = and(
    inArray(consents.subjectId, input.subjectIds),
    input.scope ? eq(consents.scope, input.scope) : undefined,
  );
  const rows = await db
    .select()
    .from(consents)
    .where(where)
    .orderBy(desc(consents.createdAt), consents.id);
  const now = new Date();
  return rows.map((r) => toConsent(r, now));
}

/** The evidence file, for download by an admin. */
export async function getEvidenceFile(db: Db, consentId: string) {
  const [row] = await db.select().from(consents).where(eq(consents.id, consentId));
  if (!row) throw notFound('Consent');
  if (!row.evidenceFile) throw notFound('Evidence file');
  return {
    name: row.evidenceFileName ?? 'evidence',
    mimeType: row.evidenceMimeType ?? 'application/octet-stream',
    bytes: row.evidenceFile,
  };
}
