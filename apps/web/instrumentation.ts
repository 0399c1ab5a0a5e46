// Runs once when the server starts: open the database, apply migrations, first admin / demo users.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { getServices } = await import('./src/server/services');
  await getServices();
}
