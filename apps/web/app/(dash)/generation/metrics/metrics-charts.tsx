'use client';
// Metrics over time per routing config or model version (recharts): approval rate, auto-scored
// fidelity and leakage, review throughput; the tooltip shows the number of items behind each point.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useTRPC } from '@/trpc/client';
import { reasonLabel } from '@/ui/format';
import { EmptyState, PageHeader, Select, Table } from '@/ui/kit';

const COLORS = ['#4f46e5', '#dc2626', '#16a34a', '#ca8a04', '#0891b2', '#9333ea'];
type TMetric = 'approvalRate' | 'fidelity' | 'leakage' | 'reviews';
const COUNT_OF: Record<TMetric, 'decided' | 'scored' | 'reviews'> = {
  approvalRate: 'decided',
  fidelity: 'scored',
  leakage: 'scored',
  reviews: 'reviews',
};

export function MetricsCharts() {
  const trpc = useTRPC();
  const [by, setBy] = useState<'routingConfig' | 'modelVersion'>('routingConfig');
  const [bucket, setBucket] = useState<'hour' | 'day'>('day');
  const data = useQuery(trpc.metrics.overTime.queryOptions({ by, bucket, sinceDays: 30 }));
  const points = data.data?.points ?? [];
  const series = [...new Set(points.map((p) => p.label))];
  const buckets = [...new Set(points.map((p) => p.bucket))].sort();
  const rows = (metric: TMetric) =>
    buckets.map((b) => {
      const row: Record<string, number | string | null> = {
        bucket: b.slice(0, bucket === 'day' ? 10 : 13),
      };
      for (const p of points.filter((x) => x.bucket === b)) {
        row[p.label] = p[metric];
        row[`${p.label} (n)`] = p[COUNT_OF[metric]];
      }
      return row;
    });
  const chart = (metric: TMetric, title: string) => (
    <div className="rounded-lg bg-white p-3 ring-1 ring-slate-200" data-testid={`chart-${metric}`}>
      <h2 className="mb-2 text-sm font-medium">{title}</h2>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={rows(metric)}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="bucket" fontSize={11} />
          <YAxis fontSize={11} />
          <Tooltip
            formatter={(value, name, item) => {
              const n = (item.payload as Record<string, unknown>)[`${String(name)} (n)`];
              return [
                `${typeof value === 'number' ? value.toFixed(3) : String(value)} (n = ${String(n)})`,
                name,
              ];
            }}
          />
          <Legend />
          {series.map((s, i) => (
            <Line
              key={s}
              type="monotone"
              dataKey={s}
              stroke={COLORS[i % COLORS.length]}
              connectNulls
              dot
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
  return (
    <section className="space-y-4">
      <PageHeader title="Metrics">
        <Select
          value={by}
          onChange={(e) => setBy(e.target.value as typeof by)}
          aria-label="Group by"
        >
          <option value="routingConfig">per routing config</option>
          <option value="modelVersion">per model version</option>
        </Select>
        <Select
          value={bucket}
          onChange={(e) => setBucket(e.target.value as typeof bucket)}
          aria-label="Bucket"
        >
          <option value="day">by day</option>
          <option value="hour">by hour</option>
        </Select>
      </PageHeader>
      {data.isSuccess && points.length === 0 ? (
        <EmptyState title="No data in the last 30 days.">
          <p>
            Charts fill in as generations are stored and reviewed: approval rate and throughput per
            routing config or model version, and the auto-scored fidelity and leakage. Start a
            request on the Requests page. (Routing previews do not count.)
          </p>
        </EmptyState>
      ) : null}
      <div className={`grid gap-4 md:grid-cols-2 ${points.length === 0 ? 'hidden' : ''}`}>
        {chart('approvalRate', 'Approval rate')}
        {chart('reviews', 'Review throughput (decisions)')}
        {chart('fidelity', 'Auto-scored fidelity')}
        {chart('leakage', 'Auto-scored leakage')}
      </div>
      <h2 className="text-sm font-medium">Reject reasons</h2>
      <Table
        testId="reject-reasons"
        head={[by === 'routingConfig' ? 'Routing config' : 'Model version', 'Reason', 'Rejections']}
        rows={data.isSuccess ? data.data.rejectReasons.length : undefined}
        empty={<p className="text-slate-500">No rejections in the last 30 days.</p>}
      >
        {data.data?.rejectReasons.map((r) => (
          <tr key={`${r.key}-${r.reason}`}>
            <td>{points.find((p) => p.key === r.key)?.label ?? r.key ?? 'ad hoc'}</td>
            <td>{reasonLabel(r.reason)}</td>
            <td>{r.n}</td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
