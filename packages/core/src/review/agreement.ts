// Agreement under consensus: per reviewer, how often their decision matches the item's final one
// and how well their repaints overlap others' (IoU); per subject, the mean IoU of its repainted
// region between reviewers of the same item.
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '@musar/db';
import { readRoutingMap, regionIoU } from './routing-map';

type Row = {
  output_id: string;
  reviewer_id: string;
  email: string;
  decision: string;
  state: string;
  correction: unknown;
  subject_ids: string[];
};

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export async function reviewAgreement(
  db: Db,
  input: { requestId?: string; reviewerId?: string } = {},
) {
  const rows = await executeRows<Row>(
    db,
    sql`select v.output_id, v.reviewer_id, u.email, v.decision, o.state, v.routing_correction as correction,
          array(select g.subject_id::text from generation_request_subjects g where g.request_id = o.request_id order by g.position) as subject_ids
        from reviews v join outputs o on o.id = v.output_id join "user" u on u.id = v.reviewer_id
        where v.undone_at is null and o.state in ('approved', 'rejected')
          ${input.requestId ? sql`and o.request_id = ${input.requestId}` : sql``}
          and (select count(*) from reviews w where w.output_id = v.output_id and w.undone_at is null) >= 2`,
  );
  const byOutput = new Map<string, Row[]>();
  for (const r of rows) byOutput.set(r.output_id, [...(byOutput.get(r.output_id) ?? []), r]);
  const reviewers = new Map<
    string,
    { email: string; decided: number; agreed: number; ious: number[] }
  >();
  const subjects = new Map<string, number[]>();
  for (const group of byOutput.values()) {
    for (const r of group) {
      const s = reviewers.get(r.reviewer_id) ?? { email: r.email, decided: 0, agreed: 0, ious: [] };
      s.decided++;
      if ((r.decision === 'approve') === (r.state === 'approved')) s.agreed++;
      reviewers.set(r.reviewer_id, s);
    }
    const painted = group
      .map((r) => ({ r, grid: readRoutingMap(r.correction) }))
      .filter((p) => p.grid);
    for (let i = 0; i < painted.length; i++) {
      for (let j = i + 1; j < painted.length; j++) {
        const [a, b] = [painted[i]!, painted[j]!];
        if (a.grid!.cells.length !== b.grid!.cells.length) continue;
        a.r.subject_ids.forEach((subjectId, index) => {
          const iou = regionIoU(a.grid!.cells, b.grid!.cells, index);
          if (iou === null) return;
          subjects.set(subjectId, [...(subjects.get(subjectId) ?? []), iou]);
          reviewers.get(a.r.reviewer_id)!.ious.push(iou);
          reviewers.get(b.r.reviewer_id)!.ious.push(iou);
        });
      }
    }
  }
  const perReviewer = [...reviewers]
    .filter(([id]) => !input.reviewerId || id === input.reviewerId)
    .map(([reviewerId, s]) => ({
      reviewerId,
      email: s.email,
      decided: s.decided,
      agreed: s.agreed,
      rate: s.agreed / s.decided,
      repaintIoU: mean(s.ious),
    }));
  const perSubject = [...subjects].map(([subjectId, ious]) => ({
    subjectId,
    pairs: ious.length,
    meanIoU: mean(ious)!,
  }));
  return { perReviewer, perSubject };
}
