import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { CredentialsChecker } from './credentials-checker';

export const dynamic = 'force-dynamic';

/** Check an image's Content Credentials: anyone signed in. */
export default async function CredentialsPage() {
  if (!(await sessionForArea('credentials'))) return <NoAccess />;
  return <CredentialsChecker />;
}
