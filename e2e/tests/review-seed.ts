// The review e2e's database, outside the server: `seed <dataDir>` creates a reviewer and three
// review items in a fresh embedded (PGlite) data folder and prints them as JSON; `verify
// <dataDir>` (server stopped) prints every review row and output state. Run with tsx.
import { sql } from 'drizzle-orm';
import { createDb, executeRows } from '@musar/db';
import { createUserWithPassword } from '@musar/auth';
import { seedReviewItems } from '@musar/core/testing/review-fixtures';

const [command, dataDir] = process.argv.slice(2);
if (!dataDir || (command !== 'seed' && command !== 'verify'))
  throw new Error('usage: review-seed.ts seed|verify <dataDir>');
const handle = await createDb({ dataDir });
try {
  if (command === 'seed') {
    await handle.migrate();
    const reviewer = {
      email: 'reviewer-e2e@example.com',
      password: 'reviewer-e2e-password',
      name: 'E2E Reviewer',
      role: 'reviewer' as const,
    };
    await handle.db.transaction((tx) => createUserWithPassword(tx, reviewer, 'system'));
    const seed = await seedReviewItems(handle.db, { count: 3, subjects: 2, grid: 8, size: 32 });
    console.log(
      JSON.stringify({
        reviewer,
        outputIds: seed.outputIds,
        subjectIds: seed.subjectIds,
        map: seed.map,
      }),
    );
  } else {
    const reviews = await executeRows(
      handle.db,
      sql`select output_id, decision, reasons, routing_correction, undone_at is not null as undone from reviews order by created_at`,
    );
    const outputs = await executeRows(handle.db, sql`select id, state from outputs order by index`);
    const audit = await executeRows(
      handle.db,
      sql`select action, target_id from audit_log where action like 'review.%' order by id`,
    );
    console.log(JSON.stringify({ reviews, outputs, audit }));
  }
} finally {
  await handle.close();
}
