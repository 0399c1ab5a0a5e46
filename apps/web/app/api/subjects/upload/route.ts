// POST /api/subjects/upload (multipart): see handleSubjectUpload in @musar/api (Origin and
// session checked before the body is read; the body read with a hard cap).
import { handleSubjectUpload } from '@musar/api';
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

export async function POST(request: Request) {
  const { handle, auth, origins } = await getServices();
  return handleSubjectUpload(request, { db: handle.db, auth, allowedOrigins: origins });
}
