import { handleTrpcRequest } from '@musar/api';
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

async function handle(request: Request) {
  const { handle: db, auth } = await getServices();
  return handleTrpcRequest(request, { db: db.db, auth });
}

export { handle as GET, handle as POST };
