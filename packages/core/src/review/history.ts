// History of every decision, filterable and keyset-paged, and a reviewer's own stats.
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type Db } from '@musar/db';

export type THistoryFilter = {
  reviewerId?: string;
  outputId?: string;
  requestId?: string;
  decision?: 'approve' | 'reject';
  reason?: string;
  includeUndone?: boolean;
  since?: string;
  until?: string;
  /** `<iso>|<review id>` of the last row of the previous page */
  cursor?: string;
  limit: number;
};

type Row = {
  id: string;
  kind: 'review' | 'adjudication';
  output_id: string;
  request_id: string;
  reviewer_id: string;
  reviewer_email: string;
  decision: 'approve' | 'reject';
  reasons: string[];
  comment: string | null;
  repainted: boolean;
  correction: unknown;
  strength: Record<string, string> | null;
  created_at: Date | string;
  undone_at: Date | string | null;
  output_state: string;
  prompt: string;
};

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** `viewer`: a reviewer sees only their own votes on items still undecided (consensus is blind:
 * another reviewer's vote or comment on a pending item would bias theirs); operators see all. */
export async function listReviewHistory(
  db: Db,
  f: THistoryFilter,
  viewer?: { id: string; role: string | null },
) {
  const where: SQL[] = [sql`true`];
  if (viewer?.role === 'reviewer')
    where.push(sql`(o.state <> 'pending_review' or v.reviewer_id = ${viewer.id})`);
  if (f.reviewerId) where.push(sql`v.reviewer_id = ${f.reviewerId}`);
  if (f.outputId) where.push(sql`v.output_id = ${f.outputId}`);
  if (f.requestId) where.push(sql`o.request_id = ${f.requestId}`);
  if (f.decision) where.push(sql`v.decision = ${f.decision}`);
  if (f.reason) where.push(sql`${f.reason} = any(v.reasons)`);
  if (!f.includeUndone) where.push(sql`v.undone_at is null`);
  if (f.since) where.push(sql`v.created_at >= ${f.since}::timestamptz`);
  if (f.until) where.push(sql`v.created_at < ${f.until}::timestamptz`);
  if (f.cursor) {
    const [at, id] = f.cursor.split('|');
    where.push(sql`(v.created_at, v.id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await executeRows<Row>(
    db,
    sql`select v.id, v.kind, v.output_id, o.request_id, v.reviewer_id, u.email as reviewer_email, v.decision, v.reasons, v.comment,
          v.routing_correction is not null as repainted, v.routing_correction as correction, v.strength_feedback as strength,
          v.created_at, v.undone_at, o.state as output_state, r.prompt
        from (
          select id, 'review' as kind, output_id, reviewer_id, decision, reasons, comment, routing_correction, strength_feedback, created_at, undone_at
          from reviews
          union all
          -- an adjudicator's final decision is part of the item's history too
          select output_id, 'adjudication', output_id, resolved_by, decision, reasons, comment, null::jsonb, null::jsonb, resolved_at, null::timestamptz
          from review_adjudications where resolved_at is not null
        ) v join outputs o on o.id = v.output_id join generation_requests r on r.id = o.request_id
        join "user" u on u.id = v.reviewer_id
        where ${sql.join(where, sql` and `)}
        order by v.created_at desc, v.id desc limit ${f.limit + 1}`,
  );
  const page = rows.slice(0, f.limit).map((r) => ({
    reviewId: r.id,
    kind: r.kind,
    outputId: r.output_id,
    requestId: r.request_id,
    reviewerId: r.reviewer_id,
    reviewerEmail: r.reviewer_email,
    decision: r.decision,
    reasons: r.reasons,
    comment: r.comment,
    repainted: r.repainted,
    correction: r.correction,
    strength: r.strength,
    at: iso(r.created_at)!,
    undoneAt: iso(r.undone_at),
    outputState: r.output_state,
    prompt: r.prompt,
  }));
  const last = page.at(-1);
  return {
    items: page,
    nextCursor: rows.length > f.limit && last ? `${last.at}|${last.reviewId}` : null,
  };
}

/** Throughput over a window: live decisions, decisions per active hour (gaps over 10 min are
 * breaks and do not count), median seconds between consecutive decisions; plus undo count. */
export async function reviewerThroughput(db: Db, reviewerId: string, windowHours = 24 * 7) {
  const rows = await executeRows<{ decision: string; t: Date | string; undone: boolean }>(
    db,
    sql`select decision, created_at as t, undone_at is not null as undone from reviews
        where reviewer_id = ${reviewerId} and created_at > now() - make_interval(hours => ${windowHours}) order by created_at`,
  );
  const live = rows.filter((r) => !r.undone);
  const times = live.map((r) => +new Date(r.t));
  const gaps = times
    .slice(1)
    .map((t, i) => (t - times[i]!) / 1000)
    .filter((g) => g <= 600);
  const activeSeconds = gaps.reduce((a, b) => a + b, 0);
  const sorted = [...gaps].sort((a, b) => a - b);
  return {
    windowHours,
    decisions: live.length,
    approved: live.filter((r) => r.decision === 'approve').length,
    rejected: live.filter((r) => r.decision === 'reject').length,
    undone: rows.length - live.length,
    perHour: activeSeconds > 0 ? (gaps.length / activeSeconds) * 3600 : null,
    medianSecondsPerItem: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : null,
  };
}
