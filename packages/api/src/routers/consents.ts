import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { getEvidenceFile, grantConsent, listConsents } from '@musar/core/consent/grant';
import { revokeConsent, revokeSubjectConsents } from '@musar/core/consent/revoke';
import { adminProcedure, permissionProcedure } from '../trpc';
import {
  fromBase64,
  ZConsent,
  ZConsentScope,
  ZGrantConsent,
  ZReason,
  ZRevokeResult,
  ZSubjectId,
} from '@musar/core/consent/schemas';

export const consentsRouter = {
  list: permissionProcedure({ consent: ['read'] })
    .input(
      z.object({
        subjectIds: z.array(ZSubjectId).min(1).max(100),
        scope: ZConsentScope.optional(),
      }),
    )
    .output(z.array(ZConsent))
    .query(({ ctx, input }) => listConsents(ctx.db, input)),

  grant: permissionProcedure({ consent: ['grant'] })
    .input(ZGrantConsent)
    .output(ZConsent)
    .mutation(({ ctx, input }) =>
      grantConsent(ctx.db, ctx.session.user, {
        ...input,
        evidenceFile: input.evidenceFile && {
          name: input.evidenceFile.name,
          bytes: fromBase64(input.evidenceFile.base64),
        },
        validFrom: input.validFrom ? new Date(input.validFrom) : undefined,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      }),
    ),

  /** Revokes one consent and runs the cascade (harmless when already revoked). */
  revoke: permissionProcedure({ consent: ['revoke'] })
    .input(z.object({ consentId: z.uuid(), reason: ZReason }))
    .output(ZRevokeResult)
    .mutation(({ ctx, input }) => revokeConsent(ctx.db, ctx.session.user, input)),

  /** Revokes every unrevoked consent of a subject (optionally only some scopes). */
  revokeAll: permissionProcedure({ consent: ['revoke'] })
    .input(
      z.object({
        subjectId: ZSubjectId,
        reason: ZReason,
        scopes: z.array(ZConsentScope).min(1).optional(),
      }),
    )
    .output(ZRevokeResult)
    .mutation(({ ctx, input }) => revokeSubjectConsents(ctx.db, ctx.session.user, input)),

  /** The evidence file as uploaded (admins only: it may carry personal data). */
  evidence: adminProcedure
    .input(z.object({ consentId: z.uuid() }))
    .output(z.object({ name: z.string(), mimeType: z.string(), base64: z.string() }))
    .query(async ({ ctx, input }) => {
      const file = await getEvidenceFile(ctx.db, input.consentId);
      return {
        name: file.name,
        mimeType: file.mimeType,
        base64: Buffer.from(file.bytes).toString('base64'),
      };
    }),
} satisfies TRPCRouterRecord;
