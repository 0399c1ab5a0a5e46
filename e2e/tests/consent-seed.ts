// The consent e2e's database steps, outside the server (PGlite: one process at a time, so the spec
// stops its server around these). Run with tsx:
//   users <dataDir>                      → admin, operator, reviewer with passwords (JSON)
//   generate <dataDir> <nameA> <nameB>   → after the operator's real generation over A and B (the
//       dashboard + embedded worker), what training and earlier work would have left: adapters
//       v0 (served before, no lineage) and v1 (serving, trained on A and B, lineage recorded with
//       `train` consent re-checked), and an approved output over B alone (written through
//       assertConsent) so the export has something to keep. Training does not fit an e2e.
import { and, eq, inArray } from 'drizzle-orm';
import { createDb, writeAudit } from '@musar/db';
import {
  generationRequestSubjects,
  generationRequests,
  modelVersions,
  outputs,
  subjects,
  user,
} from '@musar/db/schema';
import { createUserWithPassword } from '@musar/auth';
import { assertConsent } from '@musar/core/consent/consent';
import { recordLineage } from '@musar/core/retrain/training-set';
import { bandMap, pngOfMap } from '@musar/core/testing/review-fixtures';

const [command, dataDir, ...args] = process.argv.slice(2);
if (!dataDir || (command !== 'users' && command !== 'generate'))
  throw new Error('usage: consent-seed.ts users|generate <dataDir> …');
const handle = await createDb({ dataDir });
try {
  if (command === 'users') {
    await handle.migrate();
    const out: Record<string, { email: string; password: string }> = {};
    for (const role of ['admin', 'operator', 'reviewer'] as const) {
      const u = {
        email: `${role}-consent-e2e@example.com`,
        password: `${role}-consent-e2e-pw`,
        name: `E2E ${role}`,
        role,
      };
      await handle.db.transaction((tx) => createUserWithPassword(tx, u, 'system'));
      out[role] = { email: u.email, password: u.password };
    }
    console.log(JSON.stringify(out));
  } else {
    const rows = await handle.db.select().from(subjects).where(inArray(subjects.name, args));
    const a = rows.find((s) => s.name === args[0]);
    const b = rows.find((s) => s.name === args[1]);
    if (!a || !b) throw new Error(`subjects ${args.join(', ')} not found`);
    const [operator] = await handle.db.select().from(user).where(eq(user.role, 'operator'));
    const actor = {
      id: operator!.id,
      email: operator!.email,
      name: operator!.name,
      role: 'operator',
      banned: false,
    };
    const grid = 8;
    const map = bandMap(grid, 2);
    const result = await handle.db.transaction(async (tx) => {
      const v0 = (
        await tx
          .insert(modelVersions)
          .values({
            kind: 'adapter',
            name: 'adapter-v0',
            state: 'retired',
            promotedAt: new Date(Date.now() - 3600_000),
          })
          .returning()
      )[0]!;
      const v1 = (
        await tx
          .insert(modelVersions)
          .values({
            kind: 'adapter',
            name: 'adapter-v1',
            state: 'serving',
            parentId: null,
            promotedAt: new Date(),
          })
          .returning()
      )[0]!;
      await recordLineage(tx, actor, {
        modelVersionId: v1.id,
        subjectIds: [a.id, b.id],
        outputIds: [],
      });
      const generate = async (
        ids: string[],
        state: 'pending_review' | 'approved',
        prompt: string,
      ) => {
        await assertConsent(tx, ids, 'generate');
        const [req] = await tx
          .insert(generationRequests)
          .values({
            prompt,
            routingParams: { beta: 8 },
            count: 1,
            state: 'succeeded',
            progress: 1,
            modelVersionId: v1.id,
            requestedBy: actor.id,
          })
          .returning();
        await tx
          .insert(generationRequestSubjects)
          .values(ids.map((subjectId, position) => ({ requestId: req!.id, subjectId, position })));
        const [out] = await tx
          .insert(outputs)
          .values({
            requestId: req!.id,
            index: 0,
            image: pngOfMap(ids.length === 2 ? map : bandMap(grid, 1), grid, 32, ids.length),
            width: 32,
            height: 32,
            routingMap: ids.length === 2 ? map : bandMap(grid, 1),
            modelVersionId: v1.id,
            state,
            scores: {
              fidelity: 0.8,
              leakage: 0.1,
              seam: 0.05,
              count: 1,
              relation: 1,
              background: 1,
              detected: ids.length,
              reasons: [],
            },
          })
          .returning();
        await writeAudit(tx, {
          actor,
          action: 'generation.create',
          targetType: 'generation_request',
          targetId: req!.id,
          after: { subjectIds: ids, prompt },
        });
        return out!.id;
      };
      // the operator's generation over A and B (made in the dashboard by the worker): its output
      const [made] = await tx
        .select({ id: outputs.id })
        .from(outputs)
        .innerJoin(
          generationRequestSubjects,
          eq(generationRequestSubjects.requestId, outputs.requestId),
        )
        .where(
          and(eq(generationRequestSubjects.subjectId, a.id), eq(outputs.state, 'pending_review')),
        );
      if (!made) throw new Error('no pending output of the operator generation over A');
      const outputId = made.id;
      const bOutputId = await generate([b.id], 'approved', `a ${b.classWord} on grass`);
      return { outputId, bOutputId, v0: v0.id, v1: v1.id, subjectA: a.id, subjectB: b.id };
    });
    console.log(JSON.stringify(result));
  }
} finally {
  await handle.close();
}
