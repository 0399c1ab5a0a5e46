// A model version's checkpoint (megabytes of safetensors in model_versions.checkpoint) moves in
// pieces of at most CHECKPOINT_CHUNK_BYTES per statement: the one place that reads or writes it.
// The embedded database (PGlite) runs each statement on the web process's own thread, so one
// statement carrying a 10 MB blob stalled its event loop for a quarter second; a 1 MiB piece
// takes a tenth of that, and the event loop runs between pieces. The rest of a version's row is
// selected without the checkpoint (serving.ts: VERSION_COLUMNS).
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '@musar/db';
import { modelVersions } from '@musar/db/schema';

/** Most checkpoint bytes one statement carries (as a parameter or in its result). */
export const CHECKPOINT_CHUNK_BYTES = 1024 * 1024;

/** How often a read starts over when the checkpoint changed while it was being read. */
const READ_ATTEMPTS = 3;

type TOptions = { chunkBytes?: number };

/** A view of the bytes as the driver's binary parameter (a Buffer over the same memory). */
const param = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The checkpoint of version `versionId`: null when it has none (or the version does not exist).
 * Read piece by piece outside any transaction of its own. A version's checkpoint is written
 * once — in the transaction that inserts it (shipped models) or that finishes its retrain (a
 * candidate goes from no checkpoint to its adapter) — and never changed afterwards, so the pieces
 * of separate statements belong together. The one way it could be rewritten (a retrain job
 * retried after it had committed) is caught anyway: the assembled bytes are compared with the
 * database's md5 of the value, and the read starts over when they differ.
 */
export async function readCheckpoint(
  db: DbOrTx,
  versionId: string,
  opts: TOptions = {},
): Promise<Uint8Array | null> {
  for (let attempt = 1; ; attempt++) {
    const read = await readOnce(db, versionId, opts.chunkBytes ?? CHECKPOINT_CHUNK_BYTES);
    if (read === 'changed') {
      if (attempt < READ_ATTEMPTS) continue;
      throw new Error(
        `the checkpoint of model version ${versionId} kept changing while it was read`,
      );
    }
    return read;
  }
}

const octetLength = sql<number | null>`octet_length(${modelVersions.checkpoint})`.mapWith(Number);
/** Bytes [start, start + length) of the checkpoint (substring counts from 1). */
const pieceOf = (start: number, length: number) =>
  sql<Uint8Array | null>`substring(${modelVersions.checkpoint} from ${start + 1}::int for ${length}::int)`.mapWith(
    modelVersions.checkpoint,
  );

async function readOnce(
  db: DbOrTx,
  versionId: string,
  chunk: number,
): Promise<Uint8Array | null | 'changed'> {
  const [head] = await db
    .select({ length: octetLength })
    .from(modelVersions)
    .where(eq(modelVersions.id, versionId));
  if (head?.length == null) return null;
  const out = new Uint8Array(head.length);
  const hash = createHash('md5');
  for (let start = 0; start < out.length; start += chunk) {
    await nextTurn(); // the event loop runs between pieces (a PGlite query may not give it a turn)
    const [row] = await db
      .select({ piece: pieceOf(start, chunk) })
      .from(modelVersions)
      .where(eq(modelVersions.id, versionId));
    const piece = row?.piece;
    if (!piece || piece.byteLength !== Math.min(chunk, out.length - start)) return 'changed';
    out.set(piece, start);
    hash.update(piece);
  }
  await nextTurn();
  const [tail] = await db
    .select({ md5: sql<string | null>`md5(${modelVersions.checkpoint})` })
    .from(modelVersions)
    .where(eq(modelVersions.id, versionId));
  return tail?.md5 === hash.digest('hex') ? out : 'changed';
}

/**
 * Stores `bytes` as the checkpoint of version `versionId` (which must exist), with its size in
 * size_bytes; null clears both. Runs inside the caller's transaction, so readers see the whole
 * checkpoint or none of it: the first piece is set, every further one appended. (An append
 * rewrites the value inside the database, not across the wire; for 10 MB it stays close to the
 * cost of writing a fresh piece.)
 */
export async function writeCheckpoint(
  tx: Tx,
  versionId: string,
  bytes: Uint8Array | null,
  opts: TOptions = {},
): Promise<void> {
  const chunk = opts.chunkBytes ?? CHECKPOINT_CHUNK_BYTES;
  const where = eq(modelVersions.id, versionId);
  const first = bytes?.subarray(0, chunk) ?? null;
  const updated = await tx
    .update(modelVersions)
    .set({ checkpoint: first, sizeBytes: bytes?.byteLength ?? null })
    .where(where)
    .returning({ id: modelVersions.id });
  if (!updated.length) throw new Error(`model version ${versionId} does not exist`);
  if (!bytes) return;
  for (let start = chunk; start < bytes.byteLength; start += chunk) {
    await nextTurn();
    await tx
      .update(modelVersions)
      .set({
        checkpoint: sql`${modelVersions.checkpoint} || ${param(bytes.subarray(start, start + chunk))}::bytea`,
      })
      .where(where);
  }
}
