// Applies the committed migrations to DATABASE_URL, or to the PGlite data folder.
import { createDb } from '../client';

const handle = await createDb();
await handle.migrate();
await handle.close();
console.log(`migrations applied (${handle.driver})`);
