import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { eraseSubject } from '@musar/core/consent/erasure';
import { getSubject, listSubjects } from '@musar/core/subjects/read';
import {
  addSubjectImage,
  createSubject,
  createToySubject,
  removeSubjectImage,
} from '@musar/core/subjects/subjects';
import { permissionProcedure } from '../trpc';
import {
  fromBase64,
  ZCascade,
  ZConsentScope,
  ZCreateSubject,
  ZCreateToySubject,
  ZImageUpload,
  ZReason,
  ZSubject,
  ZSubjectId,
  ZSubjectListItem,
} from '@musar/core/consent/schemas';

const reader = permissionProcedure({ subject: ['read'] });
const creator = permissionProcedure({ subject: ['create'] });
const ZCreated = z.object({ id: z.string(), imageIds: z.array(z.string()) });

export const subjectsRouter = {
  list: reader
    .input(
      z
        .object({
          search: z.string().trim().max(200).optional(),
          /** only subjects usable now for this scope (the generation form asks for `generate`) */
          usableFor: ZConsentScope.optional(),
          limit: z.number().int().min(1).max(200).default(50),
          offset: z.number().int().min(0).max(1_000_000).default(0),
        })
        .default({ limit: 50, offset: 0 }),
    )
    .output(z.object({ items: z.array(ZSubjectListItem), total: z.number().int() }))
    .query(({ ctx, input }) => listSubjects(ctx.db, input)),

  get: reader
    .input(z.object({ subjectId: ZSubjectId }))
    .output(ZSubject)
    .query(({ ctx, input }) => getSubject(ctx.db, input.subjectId)),

  create: creator
    .input(ZCreateSubject)
    .output(ZCreated)
    .mutation(({ ctx, input }) =>
      createSubject(ctx.db, ctx.session.user, { ...input, images: input.images.map(fromBase64) }),
    ),

  /** A rendered toy-world subject, for demos. */
  createToy: creator
    .input(ZCreateToySubject)
    .output(ZCreated)
    .mutation(({ ctx, input }) => createToySubject(ctx.db, ctx.session.user, input)),

  addImage: permissionProcedure({ subject: ['update'] })
    .input(z.object({ subjectId: ZSubjectId, image: ZImageUpload }))
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) =>
      addSubjectImage(ctx.db, ctx.session.user, {
        subjectId: input.subjectId,
        image: fromBase64(input.image),
      }),
    ),

  removeImage: permissionProcedure({ subject: ['update'] })
    .input(z.object({ subjectId: ZSubjectId, imageId: z.uuid() }))
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => removeSubjectImage(ctx.db, ctx.session.user, input)),

  /** Deletes every image byte of the subject (confirm by typing its name). Not undoable. */
  erase: permissionProcedure({ subject: ['erase'] })
    .input(z.object({ subjectId: ZSubjectId, confirmName: z.string().max(200), reason: ZReason }))
    .output(
      z.object({
        alreadyErased: z.boolean(),
        erasedImages: z.number().int(),
        erasedOutputIds: z.array(z.string()),
        cascade: ZCascade,
      }),
    )
    .mutation(({ ctx, input }) => eraseSubject(ctx.db, ctx.session.user, input)),
} satisfies TRPCRouterRecord;
