// Preview: the same subjects, prompt and seed generated with 2–4 routing configs side by side.
// Each config becomes an ordinary one-image generation request, so the images are computed by the
// worker's compute threads (never on the web server's event loop), consent is checked like any
// generation, and the outputs (routing map + auto scores) also count in the metrics and review.
import { inArray } from 'drizzle-orm';
import { writeAudit, type Db } from '@musar/db';
import { generationRequests, outputs } from '@musar/db/schema';
import type { SessionUser } from '../context';
import type { TPreviewRouting } from '../routers/routing-schemas';
import { createGeneration } from './generation';

export async function startPreview(db: Db, actor: SessionUser, input: TPreviewRouting) {
  const items: { routingConfigId: string; requestId: string }[] = [];
  for (const routingConfigId of input.routingConfigIds) {
    const req = await createGeneration(db, actor, {
      subjectIds: input.subjectIds,
      prompt: input.prompt,
      seed: input.seed,
      steps: input.steps,
      count: 1,
      consensusK: 1,
      routing: {},
      routingConfigId,
    });
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

/** The preview's state: per request, its state and (once done) the image, routing map and scores. */
export async function readPreview(db: Db, requestIds: string[]) {
  const reqs = await db
    .select({
      id: generationRequests.id,
      state: generationRequests.state,
      routingConfigId: generationRequests.routingConfigId,
    })
    .from(generationRequests)
    .where(inArray(generationRequests.id, requestIds));
  const outs = await db.select().from(outputs).where(inArray(outputs.requestId, requestIds));
  return requestIds.map((id) => {
    const r = reqs.find((x) => x.id === id);
    const o = outs.find((x) => x.requestId === id);
    return {
      routingConfigId: r?.routingConfigId ?? '',
      requestId: id,
      state: r?.state ?? 'missing',
      output: o
        ? {
            id: o.id,
            routingMap: o.routingMap,
            scores: o.scores ?? null,
            image: o.image
              ? `data:${o.mimeType};base64,${Buffer.from(o.image).toString('base64')}`
              : null,
          }
        : null,
    };
  });
}
