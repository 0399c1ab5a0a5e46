// Content Credentials for generated images: each output PNG is signed (C2PA, @musar/provenance)
// with the model that made it (name, sha256 of its weights), the routing configuration, and the
// subject and consent record ids relied on — read in the completing transaction, right after the
// consent re-check, so the ids are the grants in force when the outputs were stored.
import { createHash } from 'node:crypto';
import { and, eq, gt, inArray, isNull, lte, or } from 'drizzle-orm';
import { resolveDataDir, type Tx } from '@musar/db';
import { consents, modelVersions } from '@musar/db/schema';
import { instanceCredentials, sign, type TSigningCredentials } from '@musar/provenance';
import type { TGeneratePayload } from '@musar/core/jobs/payloads';
import type { TGenerateResult } from '../thread/types';
import type { TResolvedModel } from './model-source';

const weightHashes = new Map<string, string>();

/** sha256 (hex) over the weights: base checkpoint, then the adapter's. Null for an untrained model. */
export function weightsSha256(source: TResolvedModel['source']): string | null {
  if (source.kind !== 'checkpoint') return null;
  let hit = weightHashes.get(source.key);
  if (!hit) {
    const h = createHash('sha256').update(source.base);
    if (source.adapter) h.update(source.adapter);
    hit = h.digest('hex');
    if (weightHashes.size > 16) weightHashes.clear();
    weightHashes.set(source.key, hit);
  }
  return hit;
}

/** The signed PNGs, in result order. */
export async function signOutputs(
  tx: Tx,
  p: TGeneratePayload,
  result: TGenerateResult,
  model: TResolvedModel,
  credentials: () => Promise<TSigningCredentials> = () => instanceCredentials(resolveDataDir()),
): Promise<Uint8Array[]> {
  const now = new Date();
  const grants = await tx
    .select({ id: consents.id })
    .from(consents)
    .where(
      and(
        inArray(consents.subjectId, [...p.subjectIds]),
        eq(consents.scope, 'generate'),
        isNull(consents.revokedAt),
        lte(consents.validFrom, now),
        or(isNull(consents.expiresAt), gt(consents.expiresAt, now)),
      ),
    )
    .orderBy(consents.id);
  const [version] = model.modelVersionId
    ? await tx
        .select({ name: modelVersions.name })
        .from(modelVersions)
        .where(eq(modelVersions.id, model.modelVersionId))
    : [];
  const creds = await credentials();
  const createdAt = now.toISOString();
  return Promise.all(
    result.images.map((img) =>
      sign(
        img.png,
        {
          requestId: p.requestId,
          index: img.index,
          seed: img.seed,
          model: {
            versionId: model.modelVersionId,
            name: version?.name ?? `untrained ${model.source.key}`,
            weightsSha256: weightsSha256(model.source),
          },
          routing: { ...p.routing },
          subjectIds: [...p.subjectIds],
          consentRecordIds: grants.map((g) => g.id),
          createdAt,
        },
        creds,
      ),
    ),
  );
}
