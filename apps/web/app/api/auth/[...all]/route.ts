// /api/auth/* — only the auth routes the dashboard uses reach better-auth (sign-in, sign-out,
// session); the admin plugin's and the profile routes answer 404 (handleAuthRequest).
import { handleAuthRequest } from '@musar/auth';
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

async function handle(request: Request) {
  const { auth, handle: db } = await getServices();
  return handleAuthRequest(auth, request, { db: db.db });
}

export { handle as GET, handle as POST };
