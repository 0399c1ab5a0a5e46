// GET /api/export/outputs[?requestId=…] → a zip of approved outputs (PNG + JSON manifest each).
// Admins and operators; withdrawn and no-longer-consented outputs are never in it.
import { createCaller, createContext, trpcErrorResponse } from '@musar/api';
import { exportApprovedZip } from '@musar/core/consent/export-outputs';
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const { handle, auth } = await getServices();
  const ctx = await createContext({ db: handle.db, auth, headers: request.headers });
  const requestId = new URL(request.url).searchParams.get('requestId') || undefined;
  try {
    // the tRPC procedure's role guard (admin, operator) and input validation
    await createCaller(ctx).export.outputs({ limit: 1, requestId });
    const { zip, fileName, count } = await exportApprovedZip(handle.db, ctx.session!.user, {
      requestId,
    });
    return new Response(Buffer.from(zip), {
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="${fileName}"`,
        'x-export-count': String(count),
        'cache-control': 'no-store',
      },
    });
  } catch (error) {
    return trpcErrorResponse(error);
  }
}
