import { createHash } from 'node:crypto';
import { count, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRows, type DbHandle } from '@musar/db';
import { outputs, subjectImages, subjects } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { encodeRgbPng, generateSubject, renderReference } from '@musar/toyworld';
import { insertTestUser } from '../testing/users';
import type { SessionUser } from '../common/actor';
import { grantConsent } from '../consent/grant';
import { seedGeneration, seedModel, seedSubject } from '../testing/consent-fixtures';
import { eraseSubject } from '../consent/erasure';
import { getSubject } from './read';
import { addSubjectImage, createSubject, removeSubjectImage } from './subjects';

let handle: DbHandle;
let admin: SessionUser;
beforeAll(async () => {
  handle = await createTestDb();
  admin = await insertTestUser(handle.db, 'admin');
});
afterAll(() => handle.close());

const photo = (seed: number, size = 96) =>
  encodeRgbPng(renderReference(generateSubject(seed), size));
const subjectCount = async () => (await handle.db.select({ n: count() }).from(subjects))[0]!.n;
const base = { name: 'Blue star', kind: 'product' as const, classWord: 'star toy' };

describe('creating subjects', () => {
  it('stores 1–8 normalised images and lists them with the subject', async () => {
    const jpeg = await sharp(photo(2, 128)).jpeg().toBuffer();
    const { id, imageIds } = await createSubject(handle.db, admin, {
      ...base,
      images: [photo(1), jpeg],
    });
    expect(imageIds).toHaveLength(2);
    const s = await getSubject(handle.db, id);
    expect(s).toMatchObject({
      name: 'Blue star',
      kind: 'product',
      canGenerate: false,
      canTrain: false,
    });
    expect(s.images.map((i) => [i.width, i.height])).toEqual([
      [32, 32],
      [32, 32],
    ]);
    expect(s.images[0]!.dataUrl).toMatch(/^data:image\/png;base64,/);
  });

  it('refuses 0 or 9 images, duplicates within and across subjects; stores nothing', async () => {
    const before = await subjectCount();
    await expect(createSubject(handle.db, admin, { ...base, images: [] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const nine = Array.from({ length: 9 }, (_, i) => photo(100 + i));
    await expect(createSubject(handle.db, admin, { ...base, images: nine })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      createSubject(handle.db, admin, { ...base, images: [photo(10), photo(11), photo(10)] }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/image 3 is the same picture as image 1/),
    });
    await createSubject(handle.db, admin, { ...base, name: 'first', images: [photo(20)] });
    // the same picture re-encoded (JPEG at a higher quality and larger size) is not what we test; the same bytes are
    await expect(
      createSubject(handle.db, admin, { ...base, name: 'second', images: [photo(21), photo(20)] }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/image 2 is already a reference image of subject "first"/),
    });
    expect(await subjectCount()).toBe(before + 1);
  });

  it('refuses a bad upload among good ones and stores nothing', async () => {
    const before = await subjectCount();
    const truncated = photo(30).subarray(0, 50);
    await expect(
      createSubject(handle.db, admin, { ...base, images: [photo(31), truncated] }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^image 2: .*nothing was stored/),
    });
    expect(await subjectCount()).toBe(before);
  });

  it('adds images up to 8 and keeps at least one', async () => {
    const { id, imageIds } = await createSubject(handle.db, admin, {
      ...base,
      images: [photo(40)],
    });
    for (let i = 1; i < 8; i++)
      await addSubjectImage(handle.db, admin, { subjectId: id, image: photo(40 + i) });
    await expect(
      addSubjectImage(handle.db, admin, { subjectId: id, image: photo(60) }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      addSubjectImage(handle.db, admin, { subjectId: id, image: photo(41) }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const s = await getSubject(handle.db, id);
    for (const img of s.images.slice(1))
      await removeSubjectImage(handle.db, admin, { subjectId: id, imageId: img.id });
    await expect(
      removeSubjectImage(handle.db, admin, { subjectId: id, imageId: imageIds[0]! }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

/** Rows, in any table, of any bytea / text / json column that contain `needle` (raw, hex or base64). */
async function scanForBytes(needle: Uint8Array): Promise<string[]> {
  const columns = await executeRows<{
    table_schema: string;
    table_name: string;
    column_name: string;
    data_type: string;
  }>(
    handle.db,
    sql`select c.table_schema, c.table_name, c.column_name, c.data_type from information_schema.columns c
        join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where t.table_type = 'BASE TABLE' and c.table_schema not in ('pg_catalog', 'information_schema')
          and c.data_type in ('bytea', 'text', 'jsonb', 'json', 'character varying')`,
  );
  expect(columns.length).toBeGreaterThan(20);
  const buf = Buffer.from(needle);
  const b64 = buf.toString('base64');
  const hex = buf.toString('hex');
  const hits: string[] = [];
  for (const c of columns) {
    const col = sql.identifier(c.column_name);
    const table = sql`${sql.identifier(c.table_schema)}.${sql.identifier(c.table_name)}`;
    const where =
      c.data_type === 'bytea'
        ? sql`position(${buf}::bytea in ${col}) > 0`
        : sql`strpos(${col}::text, ${b64}) > 0 or strpos(${col}::text, ${hex}) > 0`;
    const [row] = await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from ${table} where ${where}`,
    );
    if (Number(row?.n) > 0) hits.push(`${c.table_name}.${c.column_name}`);
  }
  return hits;
}

describe('erasure', () => {
  it('needs the name typed, then leaves no image byte of the subject in any table', async () => {
    const a = await seedSubject(handle.db, admin);
    const b = await seedSubject(handle.db, admin);
    const refs = await handle.db
      .select()
      .from(subjectImages)
      .where(eq(subjectImages.subjectId, a.id));
    const evidenceImage = photo(77);
    await grantConsent(handle.db, admin, {
      subjectId: a.id,
      scope: 'train',
      grantedBy: 'x',
      evidence: 'photo ID',
      evidenceFile: { name: 'id.png', bytes: evidenceImage },
    });
    const gen = await seedGeneration(handle.db, [a.id, b.id], {
      outputs: ['approved', 'pending_review'],
    });
    const bGen = await seedGeneration(handle.db, [b.id], { outputs: ['approved'] });
    const outs = await handle.db.select().from(outputs).where(eq(outputs.requestId, gen.requestId));
    const v = await seedModel(handle.db, {
      name: 'trained-on-a',
      state: 'candidate',
      subjectIds: [a.id],
    });
    const needles = [...refs.map((r) => r.image), ...outs.map((o) => o.image!), evidenceImage];
    for (const n of needles) expect((await scanForBytes(n)).length).toBeGreaterThan(0); // the scan finds them

    const s = await getSubject(handle.db, a.id);
    await expect(
      eraseSubject(handle.db, admin, { subjectId: a.id, confirmName: 'nope', reason: 'request' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const res = await eraseSubject(handle.db, admin, {
      subjectId: a.id,
      confirmName: s.name,
      reason: 'GDPR request',
    });
    expect(res).toMatchObject({ alreadyErased: false, erasedImages: 2 });
    expect(res.erasedOutputIds.sort()).toEqual(gen.outputIds.sort());
    expect(res.cascade?.taintedVersionIds).toEqual([v]);

    for (const n of needles) expect(await scanForBytes(n)).toEqual([]);
    const [bOut] = await handle.db
      .select()
      .from(outputs)
      .where(eq(outputs.requestId, bGen.requestId));
    expect(bOut).toMatchObject({ state: 'approved' });
    expect(bOut!.image).not.toBeNull();
    const after = await getSubject(handle.db, a.id);
    expect(after).toMatchObject({ images: [], canGenerate: false, canTrain: false });
    expect(after.erasedAt).not.toBeNull();
    // the evidence file's bytes are gone, its record (size and hash from the grant) stays
    expect(after.consents.map((c) => c.evidenceFile).filter(Boolean)).toEqual([
      {
        name: 'id.png',
        mimeType: 'image/png',
        bytes: evidenceImage.length,
        sha256: createHash('sha256').update(evidenceImage).digest('hex'),
        erased: true,
      },
    ]);
    expect(after.lineage.modelVersions.map((m) => [m.id, m.state])).toEqual([[v, 'tainted']]);
    expect(after.lineage.outputs.every((o) => o.state === 'withdrawn' && !o.hasImage)).toBe(true);
    expect(
      await eraseSubject(handle.db, admin, {
        subjectId: a.id,
        confirmName: s.name,
        reason: 'again',
      }),
    ).toMatchObject({ alreadyErased: true });
    await expect(
      grantConsent(handle.db, admin, {
        subjectId: a.id,
        scope: 'generate',
        grantedBy: 'x',
        evidence: 'e',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
