// POST /api/provenance/verify (the image as the raw body): see handleProvenanceVerify in
// @musar/api (Origin and session checked before the body is read; the body read with a 12 MiB cap).
import { handleProvenanceVerify } from '@musar/api';
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

export async function POST(request: Request) {
  const { handle, auth, origins } = await getServices();
  return handleProvenanceVerify(request, { db: handle.db, auth, allowedOrigins: origins });
}
