// Content Credentials: anyone signed in can check an image (its C2PA manifests, their validity,
// and whether the consent of the subjects it names is still in force today).
import { z } from 'zod';
import { verifyImage } from '@musar/core/provenance/provenance';
import { createTRPCRouter, signedInProcedure } from '../trpc';

/** 12 MiB of image, base64-encoded. */
const MAX_BASE64 = Math.ceil((12 * 1024 * 1024 * 4) / 3);

export const ZVerifyImageInput = z
  .object({
    fileName: z.string().trim().max(255).optional(),
    imageBase64: z
      .string()
      .min(1, 'the image is empty')
      .max(MAX_BASE64, 'the image is larger than 12 MiB')
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'not base64'),
  })
  .strict();

export const provenanceRouter = createTRPCRouter({
  verify: signedInProcedure
    .input(ZVerifyImageInput)
    .mutation(({ ctx, input }) =>
      verifyImage(ctx.db, new Uint8Array(Buffer.from(input.imageBase64, 'base64'))),
    ),
});
