// POST /api/consents/grant (multipart) — records a consent with its evidence file, which is often
// larger than a tRPC JSON body may be (1 MiB, and base64 adds a third): a scanned release is a
// few MiB. Fields: subjectId, scope, grantedBy, evidence, validFrom and expiresAt (ISO date-times,
// empty = now / no expiry), and an optional file `evidenceFile`. As for the subject upload: the
// Origin must be the dashboard's and the session must hold consent:grant before a byte of the
// body is read; then the body — chunked or not — is read up to MAX_EVIDENCE_UPLOAD_BYTES and
// refused beyond (413). The consent is recorded by the consents.grant procedure through a
// server-side caller, so its role guard, input validation and evidence rules (type sniffed from
// the bytes, MAX_EVIDENCE_BYTES) are the procedure's own; its errors come back as
// trpcErrorResponse writes them (field messages included).
import { z } from 'zod';
import { readCappedBody, roleCan, withBody, type Auth } from '@musar/auth';
import type { Db } from '@musar/db';
import { MAX_EVIDENCE_BYTES } from '@musar/core/consent/grant';
import { createContext } from './context';
import { createCaller } from './root';
import { trpcErrorResponse } from './http-errors';
import { originAllowed } from './upload';

/** One evidence file of at most MAX_EVIDENCE_BYTES, plus the form's fields and framing. */
export const MAX_EVIDENCE_UPLOAD_BYTES = MAX_EVIDENCE_BYTES + 64 * 1024;

const MIB = (MAX_EVIDENCE_BYTES / (1024 * 1024)).toFixed(0);

/** The form's fields as text, bounded; their meaning is checked by the procedure (ZGrantConsent). */
const ZEvidenceUploadFields = z.object({
  subjectId: z.string().max(100).default(''),
  scope: z.string().max(100).default(''),
  grantedBy: z.string().max(10_000).default(''),
  evidence: z.string().max(20_000).default(''),
  validFrom: z.string().max(100).optional(),
  expiresAt: z.string().max(100).optional(),
});

const answer = (
  status: number,
  error: string,
  code: string,
  fieldErrors?: Record<string, string>,
) => Response.json({ error, code, ...(fieldErrors ? { fieldErrors } : {}) }, { status });

const refuse = async (req: Request, status: number, error: string, code: string) => {
  await req.body?.cancel().catch(() => undefined);
  return answer(status, error, code);
};

export async function handleConsentGrantUpload(
  req: Request,
  deps: { db: Db; auth: Auth; allowedOrigins?: readonly string[] },
): Promise<Response> {
  if (req.method !== 'POST') return refuse(req, 405, 'Method not allowed', 'METHOD_NOT_SUPPORTED');
  if (!originAllowed(req, deps.allowedOrigins))
    return refuse(req, 403, 'Cross-origin upload refused', 'FORBIDDEN');
  const ctx = await createContext({ db: deps.db, auth: deps.auth, headers: req.headers });
  if (!ctx.session) return refuse(req, 401, 'Sign in first', 'UNAUTHORIZED');
  if (ctx.session.user.banned || !roleCan(ctx.session.user.role, { consent: ['grant'] }))
    return refuse(req, 403, 'Your role may not record consent', 'FORBIDDEN');
  if (!/^multipart\/form-data\b/i.test(req.headers.get('content-type') ?? ''))
    return refuse(req, 400, 'Expected multipart/form-data', 'BAD_REQUEST');
  const body = await readCappedBody(req, MAX_EVIDENCE_UPLOAD_BYTES);
  if (!body.ok)
    return answer(413, `Evidence file too large (at most ${MIB} MiB)`, 'PAYLOAD_TOO_LARGE', {
      evidenceFile: `at most ${MIB} MiB`,
    });
  let form: FormData;
  try {
    form = await withBody(req, body.bytes).formData();
  } catch {
    return answer(400, 'Expected multipart/form-data', 'BAD_REQUEST');
  }
  const text = (key: string) => {
    const v = form.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const fields = ZEvidenceUploadFields.safeParse({
    subjectId: text('subjectId'),
    scope: text('scope'),
    grantedBy: text('grantedBy'),
    evidence: text('evidence'),
    validFrom: text('validFrom'),
    expiresAt: text('expiresAt'),
  });
  if (!fields.success) return answer(400, 'Invalid form fields', 'BAD_REQUEST');
  const files = form
    .getAll('evidenceFile')
    .filter((f): f is File => typeof f !== 'string' && f.size > 0);
  if (files.length > 1)
    return answer(400, 'Attach one evidence file', 'BAD_REQUEST', {
      evidenceFile: 'attach one file',
    });
  const file = files[0];
  if (file && file.size > MAX_EVIDENCE_BYTES)
    return answer(413, `Evidence file too large (at most ${MIB} MiB)`, 'PAYLOAD_TOO_LARGE', {
      evidenceFile: `at most ${MIB} MiB`,
    });
  const f = fields.data;
  try {
    const consent = await createCaller(ctx).consents.grant({
      subjectId: f.subjectId,
      scope: f.scope as 'generate' | 'train',
      grantedBy: f.grantedBy,
      evidence: f.evidence,
      evidenceFile: file
        ? { name: file.name, base64: Buffer.from(await file.arrayBuffer()).toString('base64') }
        : undefined,
      validFrom: f.validFrom || undefined,
      expiresAt: f.expiresAt || null,
    });
    return Response.json(consent);
  } catch (error) {
    return trpcErrorResponse(error);
  }
}
