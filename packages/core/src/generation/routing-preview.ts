// Preview: the same subjects, prompt and seed generated with 2–4 routing configs side by side.
// Each config becomes an ordinary one-image generation request, so the images are computed by the
// worker's compute threads (never on the web server's event loop) and consent is checked like any
// generation. The requests are marked purpose 'preview': their outputs stay out of the review
// queue, the metrics and the generation list (they are shown here only).
import { inArray, sql } from 'drizzle-orm';
import { executeRows, writeAudit, type Db } from '@musar/db';
import { generationRequests } from '@musar/db/schema';
import type { SessionUser } from '../common/actor';
import type { TPreviewRouting } from './routing-schemas';
import { createGeneration } from './generation';
import { outputReadable, toBytes } from './output-access';

export async function startPreview(db: Db, actor: SessionUser, input: TPreviewRouting) {
  const items: { routingConfigId: string; requestId: string }[] = [];
  for (const routingConfigId of input.routingConfigIds) {
    const req = await createGeneration(
      db,
      actor,
      {
        subjectIds: input.subjectIds,
        prompt: input.prompt,
        seed: input.seed,
        steps: input.steps,
        count: 1,
        consensusK: 1,
        routing: {},
        routingConfigId,
      },
      { purpose: 'preview' },
    );
    items.push({ routingConfigId, requestId: req.id });
  }
  await writeAudit(db, {
    actor: { id: actor.id, email: actor.email },
    action: 'routing.preview',
    targetType: 'generation_request',
    targetId: items[0]!.requestId,
    after: { items },
  });
  return { items };
}

/** The preview's state: per request, its state and (once done) the image, routing map and scores.
 * The image only while `outputReadable` holds (not withdrawn, every subject with `generate`
 * consent in force, none erased) — the same rule as the review queue and the exports. */
export async function readPreview(db: Db, requestIds: string[]) {
  const reqs = await db
    .select({
      id: generationRequests.id,
      state: generationRequests.state,
      routingConfigId: generationRequests.routingConfigId,
    })
    .from(generationRequests)
    .where(inArray(generationRequests.id, requestIds));
  const outs = requestIds.length
    ? await executeRows<{
        id: string;
        request_id: string;
        state: string;
        routing_map: unknown;
        scores: Record<string, unknown> | null;
        mime_type: string;
        image: unknown;
      }>(
        db,
        sql`select o.id, o.request_id, o.state, o.routing_map, o.scores, o.mime_type,
                   case when ${outputReadable()} then o.image end as image
            from outputs o where o.request_id in ${requestIds} order by o.index`,
      )
    : [];
  return requestIds.map((id) => {
    const r = reqs.find((x) => x.id === id);
    const o = outs.find((x) => x.request_id === id);
    const bytes = toBytes(o?.image);
    return {
      routingConfigId: r?.routingConfigId ?? '',
      requestId: id,
      state: r?.state ?? 'missing',
      output: o
        ? {
            id: o.id,
            state: o.state,
            routingMap: o.routing_map,
            scores: o.scores ?? null,
            image: bytes
              ? `data:${o.mime_type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`
              : null,
          }
        : null,
    };
  });
}
