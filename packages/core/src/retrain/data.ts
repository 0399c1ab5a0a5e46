// Feedback retraining data: approved outputs as targets, each with its reviewer-confirmed routing
// map (the latest live approving review's repaint, else the map the model produced and the
// reviewer approved) as a static region mask on the patch grid (−1 = background). References and
// condition texts are built exactly as the generate job builds them (first reference image,
// "a <class word>"), so training sees what generation sees. Reviewers' strength votes on an
// output travel with its sample: the strengths they favour, and the sample's draw weight.
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { executeRows, type DbOrTx } from '@musar/db';
import {
  generationRequests,
  generationRequestSubjects,
  outputs,
  reviews,
  subjectImages,
  subjects,
} from '@musar/db/schema';
import { decodeRgbPng, ownerMapFromGrid, type TSubjectSpec } from '@musar/toyworld';
import type { TTrainSample } from '@musar/trainer';
// the tensor-free subpath (the web server bundles this file)
import { subjectConditionText } from '@musar/model/inputs';
import { ServiceError } from '../common/errors';
import { outputReadable } from '../generation/output-access';
import { readRoutingMap } from '../review/routing-map';
import { sampleStrength, type TSampleStrength } from '../review/strength';

export type TFeedbackSample = TTrainSample & {
  outputId: string;
  repainted: boolean;
  /** The output's strength votes (null without any): the strength used and the one they favour
   * per subject; `weight` (1 without votes) is how often training draws the sample. */
  strength: TSampleStrength | null;
  weight: number;
};

/** The region grid training uses: the latest live approving repaint, else the model's map; null
 * when neither is a readable square grid. */
export function regionGridOf(routingMap: unknown, repaint?: unknown) {
  const grid = readRoutingMap(repaint ?? routingMap);
  return grid && grid.rows === grid.cols ? grid : null;
}

/** Splits `outputIds` into those with a region grid and those without (an approved output whose
 * worker stored no routing map): one such output must not fail every retrain. */
export async function splitByRegionGrid(db: DbOrTx, outputIds: string[]) {
  if (outputIds.length === 0) return { usable: [] as string[], withoutMap: [] as string[] };
  const rows = await db
    .select({ id: outputs.id, routingMap: outputs.routingMap })
    .from(outputs)
    .where(inArray(outputs.id, outputIds));
  const repaints = await db
    .select({ outputId: reviews.outputId, correction: reviews.routingCorrection })
    .from(reviews)
    .where(
      and(
        inArray(reviews.outputId, outputIds),
        eq(reviews.decision, 'approve'),
        isNull(reviews.undoneAt),
      ),
    )
    .orderBy(desc(reviews.createdAt));
  const ok = (id: string) =>
    regionGridOf(
      rows.find((r) => r.id === id)?.routingMap,
      repaints.find((r) => r.outputId === id && r.correction != null)?.correction,
    ) !== null;
  return {
    usable: outputIds.filter(ok),
    withoutMap: outputIds.filter((id) => !ok(id)),
  };
}

export async function feedbackSamples(db: DbOrTx, outputIds: string[]): Promise<TFeedbackSample[]> {
  if (outputIds.length === 0) return [];
  // The pixels only of outputs training may still use (outputReadable, `train` scope).
  const usable = await executeRows<{ id: string }>(
    db,
    sql`select o.id from outputs o where o.id in ${outputIds} and o.state = 'approved' and ${outputReadable({ scope: 'train' })}`,
  );
  const refused = outputIds.filter((id) => !usable.some((u) => u.id === id));
  if (refused.length)
    throw new ServiceError(
      'PRECONDITION_FAILED',
      `${refused.length} output(s) may no longer be trained on (withdrawn, not approved, or a subject without train consent)`,
    );
  const outs = await db.select().from(outputs).where(inArray(outputs.id, outputIds));
  const prompts = await db
    .select({
      id: generationRequests.id,
      prompt: generationRequests.prompt,
      routingParams: generationRequests.routingParams,
    })
    .from(generationRequests)
    .where(inArray(generationRequests.id, [...new Set(outs.map((o) => o.requestId))]));
  const reqSubjects = await db
    .select({
      requestId: generationRequestSubjects.requestId,
      position: generationRequestSubjects.position,
      subjectId: subjects.id,
      classWord: subjects.classWord,
      attributes: subjects.attributes,
    })
    .from(generationRequestSubjects)
    .innerJoin(subjects, eq(subjects.id, generationRequestSubjects.subjectId))
    .where(inArray(generationRequestSubjects.requestId, [...new Set(outs.map((o) => o.requestId))]))
    .orderBy(asc(generationRequestSubjects.position));
  const subjectIds = [...new Set(reqSubjects.map((s) => s.subjectId))];
  const images = subjectIds.length
    ? await db
        .select({ subjectId: subjectImages.subjectId, image: subjectImages.image })
        .from(subjectImages)
        .where(inArray(subjectImages.subjectId, subjectIds))
        .orderBy(asc(subjectImages.createdAt))
    : [];
  const approvals = await db
    .select({ outputId: reviews.outputId, correction: reviews.routingCorrection })
    .from(reviews)
    .where(
      and(
        inArray(reviews.outputId, outputIds),
        eq(reviews.decision, 'approve'),
        isNull(reviews.undoneAt),
      ),
    )
    .orderBy(desc(reviews.createdAt));
  // every live review's strength votes (approving or not: a vote is about presence, not quality)
  const strengthVotes = await db
    .select({ outputId: reviews.outputId, feedback: reviews.strengthFeedback })
    .from(reviews)
    .where(
      and(
        inArray(reviews.outputId, outputIds),
        isNull(reviews.undoneAt),
        isNotNull(reviews.strengthFeedback),
      ),
    );
  return outputIds.map((id, index) => {
    const o = outs.find((x) => x.id === id);
    if (!o?.image)
      throw new ServiceError('PRECONDITION_FAILED', `output ${id} has no image to train on`);
    const target = decodeRgbPng(o.image, `output ${id}`);
    const repaint = approvals.find((a) => a.outputId === id && a.correction != null)?.correction;
    const grid = regionGridOf(o.routingMap, repaint);
    if (!grid)
      throw new ServiceError('PRECONDITION_FAILED', `output ${id} has no square routing map`);
    const subs = reqSubjects.filter((s) => s.requestId === o.requestId);
    const references = subs.map((s) => {
      const png = images.find((i) => i.subjectId === s.subjectId)?.image;
      if (!png)
        throw new ServiceError(
          'PRECONDITION_FAILED',
          `subject ${s.subjectId} has no reference image`,
        );
      return decodeRgbPng(png, `reference of ${s.subjectId}`);
    });
    const regionGrid = Int32Array.from(grid.cells);
    const request = prompts.find((p) => p.id === o.requestId);
    const strength = sampleStrength(
      request?.routingParams ?? {},
      subs.map((s) => s.subjectId),
      strengthVotes.filter((v) => v.outputId === id).map((v) => v.feedback),
    );
    return {
      // A multi-subject target, like the oracle's scenes; the region grid, not the kind, drives masking.
      kind: 'oracle' as const,
      index,
      prompt: request?.prompt ?? '',
      target,
      // The toy-world spec when the subject has one; training only uses the count.
      subjects: subs.map(
        (s) =>
          (s.attributes as { toyworld?: TSubjectSpec } | null)?.toyworld ?? ({} as TSubjectSpec),
      ),
      references,
      conditions: subs.map((s) => subjectConditionText(s.classWord)),
      ownerMap: ownerMapFromGrid(regionGrid, grid.rows, target.width),
      regionGrid,
      outputId: id,
      repainted: repaint != null,
      strength,
      weight: strength?.weight ?? 1,
    };
  });
}
