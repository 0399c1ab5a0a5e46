// PNGs for the credentials e2e, made outside the server (run with tsx):
//   plain <out.png>                                  a PNG without Content Credentials
//   sign <dataDir> <out.png> <subjectId> <consentId> a PNG signed like a worker output, with the
//                                                    instance's key from <dataDir>/c2pa/
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSigningCredentials, sign } from '@musar/provenance';
import { makePng } from '@musar/provenance/testing';

const [command, ...args] = process.argv.slice(2);
if (command === 'plain' && args[0]) {
  writeFileSync(args[0], makePng(24, 24, 5));
} else if (command === 'sign' && args.length === 4) {
  const [dataDir, out, subjectId, consentId] = args as [string, string, string, string];
  // the server made these at its start (not on first use): the test relies on that
  if (!existsSync(join(dataDir, 'c2pa', 'signer-chain.pem')))
    throw new Error(`no signing credentials in ${join(dataDir, 'c2pa')} after the server started`);
  const creds = await resolveSigningCredentials(dataDir, {});
  const png = await sign(
    makePng(32, 32, 9),
    {
      requestId: 'e2e-request',
      index: 0,
      seed: 42,
      model: { versionId: null, name: 'e2e-adapter', weightsSha256: 'e2'.repeat(32) },
      routing: { threshold: 0.3, layers: [2, 3] },
      subjectIds: [subjectId],
      consentRecordIds: [consentId],
      createdAt: new Date().toISOString(),
    },
    creds,
  );
  writeFileSync(out, png);
} else {
  throw new Error(
    'usage: credentials-seed.ts plain <out> | sign <dataDir> <out> <subjectId> <consentId>',
  );
}
