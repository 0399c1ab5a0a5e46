// Export of approved outputs: a zip (fflate) of `outputs/<id>.png` + `outputs/<id>.json` (the
// manifest: subjects, the consent ids relied on, model version, routing map, review decisions)
// and an `index.json`. Withdrawn outputs are never approved, and as a second guard an output is
// left out unless every subject in it has `generate` consent in force at export time (so a
// consent that expired a moment ago, before the expiry job ran, is already honoured).
import { sql } from 'drizzle-orm';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { executeRows, writeAudit, type Db } from '@musar/db';
import { auditActor, type TActor } from './consent';
import { outputReadable } from '../generation/output-access';

export const MAX_EXPORT_ITEMS = 2000;

type OutputRow = {
  id: string;
  image: Uint8Array;
  routing_map: unknown;
  scores: unknown;
  created_at: Date | string;
  decided_at: Date | string | null;
  request_id: string;
  prompt: string;
  routing_params: unknown;
  steps: number;
  seed: number | null;
  model_version_id: string | null;
  model_name: string | null;
  model_state: string | null;
};
type SubjectRow = {
  request_id: string;
  subject_id: string;
  position: number;
  name: string;
  class_word: string;
  consent_ids: string[] | string;
};
type ReviewRow = {
  output_id: string;
  decision: string;
  reasons: string[] | string;
  comment: string | null;
  reviewer: string;
  created_at: Date | string;
};

const arr = (v: string[] | string | null) =>
  Array.isArray(v)
    ? v
    : String(v ?? '')
        .replace(/[{}"]/g, '')
        .split(',')
        .filter(Boolean);
const isoOf = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** The exportable outputs with their manifests (no image bytes). */
export async function exportableOutputs(db: Db, opts: { requestId?: string; limit?: number } = {}) {
  return db.transaction(async (tx) => {
    const outputs = await executeRows<OutputRow>(
      tx,
      sql`select o.id, coalesce(o.approved_image, o.image) as image, o.routing_map, o.scores, o.created_at, o.decided_at, r.id as request_id, r.prompt,
                 r.routing_params, r.steps, r.seed, o.model_version_id, m.name as model_name, m.state as model_state
          from outputs o join generation_requests r on r.id = o.request_id
          left join model_versions m on m.id = o.model_version_id
          where o.state = 'approved' and ${outputReadable()}
            ${opts.requestId ? sql`and o.request_id = ${opts.requestId}` : sql``}
          order by o.created_at, o.id limit ${Math.min(opts.limit ?? MAX_EXPORT_ITEMS, MAX_EXPORT_ITEMS)}`,
    );
    if (outputs.length === 0) return [];
    const requestIds = [...new Set(outputs.map((o) => o.request_id))];
    const subjects = await executeRows<SubjectRow>(
      tx,
      sql`select g.request_id, g.subject_id, g.position, s.name, s.class_word,
                 array(select c.id from consents c where c.subject_id = g.subject_id and c.scope = 'generate' and c.revoked_at is null
                         and c.valid_from <= now() and (c.expires_at is null or c.expires_at > now()) order by c.id) as consent_ids
          from generation_request_subjects g join subjects s on s.id = g.subject_id
          where g.request_id in ${requestIds} order by g.request_id, g.position`,
    );
    const reviews = await executeRows<ReviewRow>(
      tx,
      sql`select v.output_id, v.decision, v.reasons, v.comment, u.email as reviewer, v.created_at
          from reviews v join "user" u on u.id = v.reviewer_id
          where v.undone_at is null and v.output_id in ${outputs.map((o) => o.id)} order by v.created_at, v.id`,
    );
    return outputs.map((o) => ({
      image: o.image,
      manifest: {
        outputId: o.id,
        requestId: o.request_id,
        prompt: o.prompt,
        seed: o.seed,
        createdAt: isoOf(o.created_at),
        decidedAt: isoOf(o.decided_at),
        subjects: subjects
          .filter((s) => s.request_id === o.request_id)
          .map((s) => ({
            id: s.subject_id,
            name: s.name,
            classWord: s.class_word,
            position: s.position,
            generateConsentIds: arr(s.consent_ids),
          })),
        modelVersion: o.model_version_id
          ? { id: o.model_version_id, name: o.model_name, state: o.model_state }
          : null,
        routingParams: o.routing_params,
        steps: Number(o.steps),
        routingMap: o.routing_map,
        scores: o.scores,
        reviews: reviews
          .filter((r) => r.output_id === o.id)
          .map((r) => ({
            decision: r.decision,
            reasons: arr(r.reasons),
            comment: r.comment,
            reviewer: r.reviewer,
            at: isoOf(r.created_at),
          })),
      },
    }));
  });
}

/** The zip and what is in it; the export itself is an audit entry (which outputs left). */
export async function exportApprovedZip(
  db: Db,
  actor: TActor,
  opts: { requestId?: string; limit?: number } = {},
) {
  const items = await exportableOutputs(db, opts);
  const files: Zippable = {};
  for (const { image, manifest } of items) {
    files[`outputs/${manifest.outputId}.png`] = [image, { level: 0 }]; // PNGs are compressed already
    files[`outputs/${manifest.outputId}.json`] = strToU8(JSON.stringify(manifest, null, 2));
  }
  const exportedAt = new Date().toISOString();
  const outputIds = items.map((i) => i.manifest.outputId);
  files['index.json'] = strToU8(
    JSON.stringify({ exportedAt, count: items.length, outputIds }, null, 2),
  );
  await writeAudit(db, {
    actor: auditActor(actor),
    action: 'export.outputs',
    targetType: 'export',
    targetId: opts.requestId ?? null,
    after: { count: items.length, outputIds },
  });
  return {
    zip: zipSync(files),
    count: items.length,
    outputIds,
    fileName: `musar-export-${exportedAt.slice(0, 19).replace(/[:T]/g, '-')}.zip`,
  };
}
