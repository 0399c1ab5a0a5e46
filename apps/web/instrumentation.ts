// Runs once when the server starts: open the database, apply migrations, first admin / demo users.
// In production mode a server that cannot start them (no BETTER_AUTH_SECRET, database
// unreachable, …) exits instead of running on and failing every request (issue 15).
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { getServices } = await import('./src/server/services');
  try {
    await getServices();
  } catch (error) {
    const { isProductionMode } = await import('@musar/auth');
    if (isProductionMode()) {
      console.error('[musar] cannot start:', error instanceof Error ? error.message : error);
      process.exit(1);
    }
    throw error;
  }
}
