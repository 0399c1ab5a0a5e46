// GET /api/export/audit?action=&actionPrefix=&targetType=&targetId=&actorId=&from=&to= → CSV.
// Admins only (the tRPC procedure's guard and validation apply).
import { createCaller, createContext, trpcErrorResponse } from '@musar/api';
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const { handle, auth } = await getServices();
  const ctx = await createContext({ db: handle.db, auth, headers: request.headers });
  const params = Object.fromEntries(
    [...new URL(request.url).searchParams].filter(([, v]) => v.trim() !== ''),
  );
  for (const key of ['from', 'to'] as const) {
    // <input type="date"> sends 2026-11-26; the procedure takes ISO date-times
    const date = params[key] ? new Date(params[key]) : null;
    if (date && !Number.isNaN(date.getTime())) params[key] = date.toISOString();
  }
  try {
    const { csv, truncated } = await createCaller(ctx).export.auditCsv(params);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return new Response(csv, {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="musar-audit-${stamp}.csv"`,
        'x-truncated': String(truncated),
        'cache-control': 'no-store',
      },
    });
  } catch (error) {
    return trpcErrorResponse(error);
  }
}
