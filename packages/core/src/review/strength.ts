// Routing-weight feedback aggregated per routing config: per subject, the votes (too weak /
// right / too strong) and a suggested strength. The suggestion scales the strength the outputs
// were generated with by (1 + STRENGTH_STEP × mean vote), too weak = +1, too strong = −1.
import { inArray, sql } from 'drizzle-orm';
import { subjects } from '@musar/db/schema';
import { executeRows, type Db } from '@musar/db';
import { STRENGTH_STEP, STRENGTH_WEIGHT_STEP, type TStrengthFeedback } from './rules';

type Row = {
  config_id: string | null;
  config_name: string | null;
  config_version: number | null;
  params: Record<string, unknown>;
  subject_ids: string[];
  feedback: Record<string, TStrengthFeedback>;
};

const VOTE: Record<TStrengthFeedback, number> = { too_weak: 1, right: 0, too_strong: -1 };

/** The per-subject strength a request used: `strength` (the model's routing parameter: an array by
 * subject position), or `subjectStrength`/`strengths`; by subject id or by
 * position, or one number for all; 1 when the parameters do not say. */
export function strengthUsed(
  params: Record<string, unknown>,
  subjectIds: string[],
  subjectId: string,
): number {
  const v = params.strength ?? params.subjectStrength ?? params.strengths;
  if (typeof v === 'number') return v;
  if (Array.isArray(v))
    return typeof v[subjectIds.indexOf(subjectId)] === 'number'
      ? (v[subjectIds.indexOf(subjectId)] as number)
      : 1;
  if (v && typeof v === 'object' && typeof (v as Record<string, unknown>)[subjectId] === 'number')
    return (v as Record<string, number>)[subjectId]!;
  return 1;
}

export type TStrengthVoteCounts = { tooWeak: number; right: number; tooStrong: number };

/** The strength votes favour: the strength used × (1 + STRENGTH_STEP × mean vote), too weak = +1,
 * too strong = −1 (the strength page's suggestion); the strength used when there are no votes. */
export function favouredStrength(used: number, c: TStrengthVoteCounts): number {
  const n = c.tooWeak + c.right + c.tooStrong;
  return n ? used * (1 + (STRENGTH_STEP * (c.tooWeak - c.tooStrong)) / n) : used;
}

/** One output's strength votes as retraining data (see feedbackSamples). */
export type TSampleStrength = {
  /** Per subject, in prompt order: the strength the output was generated with … */
  used: number[];
  /** … and the one its votes favour (used when a subject got no vote). */
  favoured: number[];
  /** Every live vote on the output, all subjects and reviewers together. */
  votes: TStrengthVoteCounts;
  /** Its draw weight in the retrain: 1 + STRENGTH_WEIGHT_STEP × (right − off) / votes, 0.5…1.5. */
  weight: number;
};

/** The strength votes of one output (each live review's `strength_feedback`) for its subjects;
 * null when no reviewer voted. */
export function sampleStrength(
  params: Record<string, unknown>,
  subjectIds: string[],
  feedbacks: readonly unknown[],
): TSampleStrength | null {
  const per = subjectIds.map(() => ({ tooWeak: 0, right: 0, tooStrong: 0 }));
  for (const feedback of feedbacks) {
    if (!feedback || typeof feedback !== 'object') continue;
    for (const [subjectId, vote] of Object.entries(feedback as Record<string, unknown>)) {
      const i = subjectIds.indexOf(subjectId);
      if (i < 0 || typeof vote !== 'string' || !(vote in VOTE)) continue;
      per[i]![vote === 'too_weak' ? 'tooWeak' : vote === 'right' ? 'right' : 'tooStrong']++;
    }
  }
  const votes = per.reduce(
    (a, c) => ({
      tooWeak: a.tooWeak + c.tooWeak,
      right: a.right + c.right,
      tooStrong: a.tooStrong + c.tooStrong,
    }),
    { tooWeak: 0, right: 0, tooStrong: 0 },
  );
  const n = votes.tooWeak + votes.right + votes.tooStrong;
  if (n === 0) return null;
  const used = subjectIds.map((id) => strengthUsed(params, subjectIds, id));
  return {
    used,
    favoured: used.map((u, i) => favouredStrength(u, per[i]!)),
    votes,
    weight: 1 + (STRENGTH_WEIGHT_STEP * (votes.right - votes.tooWeak - votes.tooStrong)) / n,
  };
}

export async function suggestStrengths(db: Db, input: { routingConfigId?: string } = {}) {
  const rows = await executeRows<Row>(
    db,
    sql`select r.routing_config_id as config_id, c.name as config_name, c.version as config_version, r.routing_params as params,
          array(select g.subject_id::text from generation_request_subjects g where g.request_id = r.id order by g.position) as subject_ids,
          v.strength_feedback as feedback
        from reviews v join outputs o on o.id = v.output_id join generation_requests r on r.id = o.request_id
        left join routing_configs c on c.id = r.routing_config_id
        where v.undone_at is null and v.strength_feedback is not null and o.state <> 'withdrawn'
          ${input.routingConfigId ? sql`and r.routing_config_id = ${input.routingConfigId}` : sql``}`,
  );
  type Acc = { tooWeak: number; right: number; tooStrong: number; used: number[] };
  const configs = new Map<
    string,
    { id: string | null; name: string | null; version: number | null; subjects: Map<string, Acc> }
  >();
  for (const r of rows) {
    const key = r.config_id ?? 'none';
    const cfg = configs.get(key) ?? {
      id: r.config_id,
      name: r.config_name,
      version: r.config_version,
      subjects: new Map<string, Acc>(),
    };
    configs.set(key, cfg);
    for (const [subjectId, vote] of Object.entries(r.feedback)) {
      if (!(vote in VOTE)) continue;
      const acc = cfg.subjects.get(subjectId) ?? { tooWeak: 0, right: 0, tooStrong: 0, used: [] };
      acc[vote === 'too_weak' ? 'tooWeak' : vote === 'right' ? 'right' : 'tooStrong']++;
      acc.used.push(strengthUsed(r.params, r.subject_ids, subjectId));
      cfg.subjects.set(subjectId, acc);
    }
  }
  const ids = [...new Set([...configs.values()].flatMap((c) => [...c.subjects.keys()]))];
  const names = new Map(
    ids.length
      ? (
          await db
            .select({ id: subjects.id, name: subjects.name })
            .from(subjects)
            .where(inArray(subjects.id, ids))
        ).map((r) => [r.id, r.name])
      : [],
  );
  return [...configs.values()].map((c) => ({
    routingConfigId: c.id,
    name: c.name,
    version: c.version,
    subjects: [...c.subjects].map(([subjectId, a]) => {
      const n = a.tooWeak + a.right + a.tooStrong;
      const meanVote = (a.tooWeak - a.tooStrong) / n;
      const current = a.used.reduce((x, y) => x + y, 0) / a.used.length;
      return {
        subjectId,
        name: names.get(subjectId) ?? subjectId,
        votes: n,
        tooWeak: a.tooWeak,
        right: a.right,
        tooStrong: a.tooStrong,
        meanVote,
        currentStrength: current,
        suggestedStrength: favouredStrength(current, a),
      };
    }),
  }));
}
