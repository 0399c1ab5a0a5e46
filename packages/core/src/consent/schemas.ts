// zod schemas (Z…) of the subjects / consent / export procedures. Binary data travels as base64.
import { z } from 'zod';
import { ZIsoDate } from '../common/schemas';
import { expiryAfterStart, ZConsentFields } from '../forms/forms';
import { MAX_UPLOAD_BYTES } from '../subjects/reference-image';
import { MAX_EVIDENCE_BYTES } from './grant';
import { MAX_REFERENCE_IMAGES, SUBJECT_KINDS } from '../subjects/subjects';

export const ZSubjectId = z.uuid('subjectId must be a UUID');
export const ZConsentScope = z.enum(['generate', 'train']);
const b64Max = (bytes: number) => Math.ceil(bytes / 3) * 4;
/** A PNG or JPEG upload, base64 (checked and decoded by the service). */
export const ZImageUpload = z.base64('image must be base64').min(4).max(b64Max(MAX_UPLOAD_BYTES));
export const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

const name = z.string().trim().min(1).max(120);
export const ZCreateSubject = z.object({
  name,
  kind: z.enum(SUBJECT_KINDS).exclude(['toy']),
  classWord: z.string().trim().min(1).max(60),
  description: z.string().trim().max(2000).optional(),
  images: z.array(ZImageUpload).min(1).max(MAX_REFERENCE_IMAGES),
});
export const ZCreateToySubject = z.object({
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  views: z.number().int().min(1).max(MAX_REFERENCE_IMAGES).default(3),
  name: name.optional(),
});

export const ZSubjectListItem = z.object({
  id: z.string(),
  name: z.string(),
  classWord: z.string(),
  kind: z.string(),
  imageCount: z.number().int(),
  thumbnail: z.string().nullable(),
  canGenerate: z.boolean(),
  canTrain: z.boolean(),
  erasedAt: ZIsoDate.nullable(),
  createdAt: ZIsoDate,
});

export const ZConsent = z.object({
  id: z.string(),
  subjectId: z.string(),
  scope: ZConsentScope,
  status: z.enum(['active', 'pending', 'expired', 'revoked']),
  grantedBy: z.string(),
  recordedBy: z.string().nullable(),
  evidence: z.string(),
  /** The evidence file's record (size and hash from the grant); `erased`: the bytes are gone. */
  evidenceFile: z
    .object({
      name: z.string(),
      mimeType: z.string(),
      bytes: z.number(),
      sha256: z.string(),
      erased: z.boolean(),
    })
    .nullable(),
  validFrom: ZIsoDate,
  expiresAt: ZIsoDate.nullable(),
  revokedAt: ZIsoDate.nullable(),
  revokedBy: z.string().nullable(),
  revokedReason: z.string().nullable(),
  createdAt: ZIsoDate,
});

export const ZLineage = z.object({
  outputs: z.array(
    z.object({
      id: z.string(),
      state: z.string(),
      requestId: z.string(),
      prompt: z.string(),
      hasImage: z.boolean(),
      createdAt: ZIsoDate,
    }),
  ),
  modelVersions: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.string(),
      state: z.string(),
      via: z.array(z.enum(['subject', 'output', 'parent'])),
      createdAt: ZIsoDate,
    }),
  ),
});

export const ZSubject = ZSubjectListItem.omit({ imageCount: true, thumbnail: true }).extend({
  description: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  images: z.array(
    z.object({
      id: z.string(),
      dataUrl: z.string(),
      contentHash: z.string(),
      width: z.number().nullable(),
      height: z.number().nullable(),
    }),
  ),
  consents: z.array(ZConsent),
  lineage: ZLineage,
});

/** The form's fields (ZConsentFields, shared with the browser) plus the optional evidence file. */
export const ZGrantConsent = ZConsentFields.extend({
  evidenceFile: z
    .object({
      name: z.string().trim().min(1).max(200),
      base64: z.base64().min(4).max(b64Max(MAX_EVIDENCE_BYTES)),
    })
    .optional(),
}).refine(...expiryAfterStart);

export const ZCascade = z
  .object({
    subjectId: z.string(),
    lostScopes: z.array(ZConsentScope),
    cancelledRequestIds: z.array(z.string()),
    withdrawnOutputIds: z.array(z.string()),
    taintedVersionIds: z.array(z.string()),
    cancelledRetrainIds: z.array(z.string()),
    servingMoved: z
      .object({ kind: z.string(), from: z.string(), to: z.string().nullable() })
      .nullable(),
    retrainJobId: z.string().nullable(),
    retrainScheduled: z.boolean(),
  })
  .nullable();

export const ZRevokeResult = z.object({
  consents: z.array(ZConsent),
  alreadyRevoked: z.boolean(),
  cascade: ZCascade,
});
export const ZReason = z.string().trim().min(1, 'give a reason').max(500);
