// What a reviewer sees for one item: the output beside every subject's references, the routing
// map with its legend, prompt, routing parameters, model version, auto scores with reasons.
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '@musar/db';
import type { SessionUser } from '../common/actor';
import { notFound } from '../common/errors';
import { outputReadable, toBytes } from '../generation/output-access';
import { readRoutingMap } from './routing-map';

/** References shown per subject (the oldest first: the photos the subject was enrolled with). */
const REFERENCES_PER_SUBJECT = 3;

const dataUrl = (bytes: Uint8Array | null, mime: string) =>
  bytes
    ? `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`
    : null;

type ItemRow = {
  id: string;
  state: string;
  image: unknown;
  mime_type: string;
  width: number | null;
  height: number | null;
  seed: number | null;
  routing_map: unknown;
  scores: Record<string, unknown> | null;
  leased_by: string | null;
  lease_expires_at: Date | string | null;
  lease_live: boolean;
  readable: boolean;
  withdrawn_reason: string | null;
  request_id: string;
  prompt: string;
  routing_params: Record<string, unknown>;
  steps: number;
  consensus_k: number;
  config_id: string | null;
  config_name: string | null;
  config_version: number | null;
  model_id: string | null;
  model_name: string | null;
  model_kind: string | null;
  decisions: number;
  in_adjudication: boolean;
};

export async function getReviewItem(db: Db, reviewer: SessionUser, input: { outputId: string }) {
  const [o] = await executeRows<ItemRow>(
    db,
    sql`select o.id, o.state, case when ${outputReadable()} then o.image end as image, ${outputReadable()} as readable, o.mime_type, o.width, o.height, o.seed, o.routing_map, o.scores, o.leased_by,
          o.lease_expires_at, coalesce(o.lease_expires_at > now(), false) as lease_live, o.withdrawn_reason, o.request_id,
          r.prompt, r.routing_params, r.steps, r.consensus_k, c.id as config_id, c.name as config_name, c.version as config_version,
          m.id as model_id, m.name as model_name, m.kind as model_kind,
          (select count(*)::int from reviews v where v.output_id = o.id and v.undone_at is null) as decisions,
          exists (select 1 from review_adjudications a where a.output_id = o.id and a.resolved_at is null) as in_adjudication
        from outputs o join generation_requests r on r.id = o.request_id
        left join routing_configs c on c.id = r.routing_config_id
        left join model_versions m on m.id = coalesce(o.model_version_id, r.model_version_id)
        where o.id = ${input.outputId}`,
  );
  if (!o) throw notFound('Review item');
  const subjects = await executeRows<{
    id: string;
    name: string;
    class_word: string;
    erased: boolean;
    position: number;
  }>(
    db,
    sql`select s.id, s.name, s.class_word, s.erased_at is not null as erased, g.position
        from generation_request_subjects g join subjects s on s.id = g.subject_id
        where g.request_id = ${o.request_id} order by g.position`,
  );
  const refs = await executeRows<{ subject_id: string; image: unknown; mime_type: string }>(
    db,
    sql`select subject_id, image, mime_type from (
          select i.subject_id, i.image, i.mime_type, row_number() over (partition by i.subject_id order by i.created_at, i.id) as n
          from subject_images i join generation_request_subjects g on g.subject_id = i.subject_id and g.request_id = ${o.request_id}) x
        where n <= ${REFERENCES_PER_SUBJECT}`,
  );
  const [mine] = await executeRows<{ id: string; decision: string; created_at: Date | string }>(
    db,
    sql`select id, decision, created_at from reviews where output_id = ${o.id} and reviewer_id = ${reviewer.id} and undone_at is null`,
  );
  const grid = readRoutingMap(o.routing_map);
  return {
    outputId: o.id,
    state: o.state as 'pending_review' | 'approved' | 'rejected' | 'withdrawn',
    withdrawnReason: o.withdrawn_reason,
    heldByMe: o.leased_by === reviewer.id && o.lease_live,
    leaseExpiresAt: o.lease_expires_at ? new Date(o.lease_expires_at).toISOString() : null,
    // a withdrawn item, or one whose subject's consent is no longer in force, shows no pixels of
    // its subjects any more (outputReadable: the rule of every read path of output bytes)
    image: o.readable ? dataUrl(toBytes(o.image), o.mime_type) : null,
    width: o.width,
    height: o.height,
    seed: o.seed === null ? null : Number(o.seed),
    routingMap: grid ? { rows: grid.rows, cols: grid.cols, cells: grid.cells } : null,
    scores: o.scores,
    prompt: o.prompt,
    routingParams: o.routing_params,
    steps: Number(o.steps),
    routingConfig: o.config_id
      ? { id: o.config_id, name: o.config_name!, version: o.config_version! }
      : null,
    modelVersion: o.model_id ? { id: o.model_id, name: o.model_name!, kind: o.model_kind! } : null,
    consensus: { needed: o.consensus_k, decisions: o.decisions, inAdjudication: o.in_adjudication },
    myDecision: mine
      ? { reviewId: mine.id, decision: mine.decision, at: new Date(mine.created_at).toISOString() }
      : null,
    subjects: subjects.map((s, index) => ({
      index,
      id: s.id,
      name: s.name,
      classWord: s.class_word,
      erased: s.erased,
      references: !o.readable
        ? []
        : refs
            .filter((r) => r.subject_id === s.id)
            .map((r) => dataUrl(toBytes(r.image), r.mime_type)!)
            .filter(Boolean),
    })),
  };
}
export type TReviewItem = Awaited<ReturnType<typeof getReviewItem>>;
