// `musar verify FILE…`: reads an image's C2PA Content Credentials and says whether they validate,
// what made the image (model, subjects and consent records relied on) and who approved it.
import { readFileSync } from 'node:fs';
import { parseCertificates, verify, type TVerifyResult } from '@musar/provenance';
import { UsageError, type TCommandGroup, type TIo } from '../command';

const USAGE = 'musar verify FILE [FILE…] [--trust CA.pem] [--json]';

function report(file: string, r: TVerifyResult, io: TIo) {
  if (!r.hasCredentials) {
    io.out(
      `${file}: no credentials${r.errors.some((e) => e !== 'no credentials') ? ` (${r.errors.join('; ')})` : ''}`,
    );
    return;
  }
  io.out(
    `${file}: ${r.valid ? 'VALID' : 'INVALID'} Content Credentials${r.valid ? (r.trusted ? ', signer trusted' : ', signer not in the trust list') : ''}`,
  );
  for (const m of r.manifests) {
    io.out(
      `  ${m.active ? 'active ' : 'ingredient '}manifest ${m.label} (${m.claimGenerator ?? 'unknown generator'})`,
    );
    if (m.signer) io.out(`    signed by ${m.signer.subject} (issuer ${m.signer.issuer})`);
    for (const a of m.actions)
      io.out(
        `    action ${a.action}${a.digitalSourceType ? ` [${a.digitalSourceType.split('/').pop()}]` : ''}`,
      );
    if (m.generation) {
      const g = m.generation;
      io.out(
        `    model ${g.model.name}${g.model.weightsSha256 ? ` sha256:${g.model.weightsSha256}` : ' (untrained)'}`,
      );
      io.out(`    subjects ${g.subjectIds.join(', ')}`);
      io.out(`    consent records ${g.consentRecordIds.join(', ') || '(none)'}`);
      io.out(`    routing ${JSON.stringify(g.routing)}`);
    }
    if (m.review)
      io.out(
        `    review: ${m.review.decision} at ${m.review.decidedAt} via ${m.review.via} by ${m.review.reviewers.map((x) => x.role).join(', ')}`,
      );
    if (m.parents.length) io.out(`    parentOf ingredient: ${m.parents.join(', ')}`);
  }
  for (const e of r.errors) io.out(`  error: ${e}`);
}

export const verifyGroup: TCommandGroup = {
  summary: 'check the C2PA Content Credentials of output images',
  commands: {
    default: {
      summary: 'validate the Content Credentials embedded in PNG files',
      usage: USAGE,
      positionals: true,
      options: { trust: { type: 'string', multiple: true }, json: { type: 'boolean' } },
      async run(values, io) {
        const files = (values._ as string[] | undefined) ?? [];
        if (files.length === 0) throw new UsageError(`missing FILE\nusage: ${USAGE}`);
        const trustAnchors = ((values.trust as string[] | undefined) ?? []).map((f) =>
          readFileSync(f, 'utf8'),
        );
        for (const t of trustAnchors)
          if (parseCertificates(t).length === 0)
            throw new UsageError('--trust: no PEM certificate in that file');
        let bad = 0;
        for (const file of files) {
          const r = await verify(new Uint8Array(readFileSync(file)), { trustAnchors });
          if (!r.valid) bad++;
          if (values.json) io.out(JSON.stringify({ file, ...r }, null, 2));
          else report(file, r, io);
        }
        if (bad)
          throw new Error(`${bad} of ${files.length} file(s) without valid Content Credentials`);
      },
    },
  },
};
