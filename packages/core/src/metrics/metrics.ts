// Operator metrics over time, per routing config or per model version: approval rate, reject
// reasons, auto-scored fidelity and leakage (the worker's toy-world scores), review throughput —
// every point with the number of items behind it. Buckets by hour or day (created/decided time).
// Routing previews (purpose 'preview') are the operator's trials and never count.
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '@musar/db';

export type TMetricsQuery = {
  by: 'routingConfig' | 'modelVersion';
  bucket: 'hour' | 'day';
  sinceDays: number;
};

type TPoint = {
  key: string | null;
  label: string;
  bucket: string;
  outputs: number;
  decided: number;
  approved: number;
  approvalRate: number | null;
  scored: number;
  fidelity: number | null;
  leakage: number | null;
  reviews: number;
};

export async function operatorMetrics(db: Db, q: TMetricsQuery) {
  const key = q.by === 'routingConfig' ? sql`r.routing_config_id` : sql`o.model_version_id`;
  const label =
    q.by === 'routingConfig'
      ? sql`coalesce((select c.name || ' v' || c.version from routing_configs c where c.id = r.routing_config_id), 'ad hoc')`
      : sql`coalesce((select m.name from model_versions m where m.id = o.model_version_id), 'fresh tiny model')`;
  const unit = sql.raw(`'${q.bucket}'`);
  const since = sql`now() - make_interval(days => ${q.sinceDays})`;
  const points = await executeRows<TPoint>(
    db,
    sql`select ${key}::text as key, ${label} as label, date_trunc(${unit}, o.created_at) as bucket,
          count(*)::int as outputs,
          count(*) filter (where o.state in ('approved', 'rejected'))::int as decided,
          count(*) filter (where o.state = 'approved')::int as approved,
          (count(*) filter (where o.state = 'approved'))::float8 / nullif(count(*) filter (where o.state in ('approved', 'rejected')), 0) as "approvalRate",
          count(o.scores->'fidelity')::int as scored,
          avg((o.scores->>'fidelity')::float8) as fidelity,
          avg((o.scores->>'leakage')::float8) as leakage,
          coalesce(sum((select count(*) from reviews v where v.output_id = o.id and v.undone_at is null)), 0)::int as reviews
        from outputs o join generation_requests r on r.id = o.request_id
        where o.created_at >= ${since} and o.state <> 'withdrawn' and r.purpose <> 'preview'
        group by 1, 2, 3 order by 3, 2`,
  );
  const reasons = await executeRows<{ key: string | null; reason: string; n: number }>(
    db,
    sql`select ${key}::text as key, reason, count(*)::int as n
        from reviews v join outputs o on o.id = v.output_id join generation_requests r on r.id = o.request_id
        cross join lateral unnest(v.reasons) as reason
        where v.decision = 'reject' and v.undone_at is null and v.created_at >= ${since} and r.purpose <> 'preview'
        group by 1, 2 order by 3 desc`,
  );
  return {
    points: points.map((p) => ({ ...p, bucket: new Date(p.bucket).toISOString() })),
    rejectReasons: reasons,
  };
}
