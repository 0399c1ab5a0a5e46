// POST /api/consents/grant (multipart): a consent with its evidence file — see
// handleConsentGrantUpload in @musar/api (Origin and session checked before the body is read; the
// body read with a hard cap).
import { handleConsentGrantUpload } from '@musar/api';
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

export async function POST(request: Request) {
  const { handle, auth, origins } = await getServices();
  return handleConsentGrantUpload(request, { db: handle.db, auth, allowedOrigins: origins });
}
