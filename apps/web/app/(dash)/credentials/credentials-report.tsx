// One verification result: the verdict, each subject's consent today, then every manifest
// (oldest first) with what it records.
import type { ReactNode } from 'react';
import type { TImageCredentials } from '@musar/api';
import { Badge } from '@/ui/kit';
import {
  actionText,
  sourceTypeText,
  subjectStatus,
  SUBJECT_STATUS_TEXT,
  verdictOf,
  type TSubjectStatus,
} from './credentials-status';

type TManifest = TImageCredentials['manifests'][number];

const when = (iso: string) => new Date(iso).toLocaleString();

const STATUS_TONE: Record<TSubjectStatus, 'emerald' | 'rose' | 'amber' | 'slate'> = {
  'in-force': 'emerald',
  revoked: 'rose',
  expired: 'amber',
  erased: 'rose',
  unknown: 'slate',
  none: 'amber',
};

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[12rem_1fr] gap-2 py-1">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

const Ids = ({ ids }: { ids: string[] }) =>
  ids.length ? (
    <ul className="font-mono text-xs">
      {ids.map((id) => (
        <li key={id}>{id}</li>
      ))}
    </ul>
  ) : (
    <span className="text-slate-500">none</span>
  );

export function CredentialsReport({
  result,
  fileName,
}: {
  result: TImageCredentials;
  fileName: string;
}) {
  const verdict = verdictOf(result);
  const generation = result.manifests.find((m) => m.generation);
  return (
    <div className="space-y-4">
      <div
        className="space-y-2 rounded-lg bg-white p-4 ring-1 ring-slate-200"
        data-testid="credentials-summary"
        data-verdict={verdict}
        data-trusted={String(result.trusted)}
      >
        <div className="text-sm text-slate-500">{fileName}</div>
        {verdict === 'none' ? (
          <>
            <p className="font-medium">No credentials</p>
            <p className="text-slate-600">
              This image carries no Content Credentials, so nothing says who or what made it. Images
              made here carry them; many apps and websites strip them when an image is edited,
              converted or re-uploaded.
            </p>
            {result.errors.includes('not a PNG image') ? (
              <p className="text-slate-600">This file is not a PNG image.</p>
            ) : null}
          </>
        ) : (
          <>
            <div className="flex flex-wrap items-center gap-2">
              {verdict === 'valid' ? (
                <Badge tone="emerald">Valid</Badge>
              ) : (
                <Badge tone="rose">Invalid</Badge>
              )}
              {result.trusted ? (
                <Badge tone="emerald">Signed by this instance</Badge>
              ) : (
                <Badge tone="amber">Not signed by this instance</Badge>
              )}
              {generation ? (
                result.consentInForce ? (
                  <Badge tone="emerald">Consent in force for every subject</Badge>
                ) : (
                  <Badge tone="rose">
                    Consent not in force for {result.subjects.filter((s) => !s.inForce).length} of{' '}
                    {result.subjects.length} subject{result.subjects.length === 1 ? '' : 's'}
                  </Badge>
                )
              ) : null}
            </div>
            <p className="text-slate-600">
              {verdict === 'valid'
                ? 'The credentials are intact: neither the image nor its manifests changed since they were signed.'
                : 'The credentials do not match: the image or its manifests were changed after signing, or a signature does not check out.'}{' '}
              {result.trusted
                ? 'The signer chains to this instance’s certificate authority.'
                : 'The signer does not chain to this instance’s certificate authority: it was signed elsewhere (or by an earlier key).'}
            </p>
            {result.errors.length ? (
              <ul className="list-disc pl-5 text-sm text-rose-800" data-testid="credential-errors">
                {result.errors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            ) : null}
          </>
        )}
      </div>

      {result.subjects.length ? (
        <section className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
          <h2 className="mb-2 font-medium">Subjects and their consent today</h2>
          <table className="min-w-full text-left text-sm" data-testid="credential-subjects">
            <thead className="border-b border-slate-200 text-xs text-slate-500 uppercase">
              <tr>
                <th className="py-2 pr-3">Subject</th>
                <th className="py-2 pr-3">Consent to generate, today</th>
                <th className="py-2">Consent records the image relied on</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {result.subjects.map((s) => {
                const status = subjectStatus(s);
                return (
                  <tr
                    key={s.subjectId}
                    className="align-top"
                    data-testid="credential-subject"
                    data-subject-id={s.subjectId}
                    data-status={status}
                  >
                    <td className="py-2 pr-3">
                      <div className="font-medium">{s.name ?? 'Unknown subject'}</div>
                      <div className="font-mono text-xs text-slate-500">{s.subjectId}</div>
                    </td>
                    <td className="py-2 pr-3">
                      <Badge tone={STATUS_TONE[status]}>{SUBJECT_STATUS_TEXT[status]}</Badge>
                    </td>
                    <td className="py-2">
                      {s.records.length ? (
                        <ul className="space-y-0.5">
                          {s.records.map((r) => (
                            <li key={r.id} className="text-xs">
                              <span className="font-mono">{r.id}</span> —{' '}
                              {r.revoked
                                ? `revoked${r.revokedAt ? ` on ${when(r.revokedAt)}` : ''}`
                                : r.expired
                                  ? 'expired'
                                  : r.inForce
                                    ? 'in force'
                                    : 'not yet in force'}
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <span className="text-xs text-slate-500">none found here</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ) : null}

      {result.manifests.map((m, i) => (
        <ManifestCard key={m.label} manifest={m} index={i} all={result.manifests} />
      ))}
    </div>
  );
}

function ManifestCard({
  manifest: m,
  index,
  all,
}: {
  manifest: TManifest;
  index: number;
  all: TManifest[];
}) {
  const kind = m.generation ? 'generation' : m.review ? 'approval' : 'other';
  const title =
    kind === 'generation'
      ? 'Generation manifest'
      : kind === 'approval'
        ? 'Approval manifest'
        : `Manifest ${index + 1}`;
  const g = m.generation;
  const r = m.review;
  const failed = m.status.filter((s) => !s.success);
  return (
    <section
      className="rounded-lg bg-white p-4 ring-1 ring-slate-200"
      data-testid="credential-manifest"
      data-kind={kind}
      data-valid={String(m.valid)}
    >
      <div className="mb-2 flex flex-wrap items-center gap-2">
        <h2 className="font-medium">{title}</h2>
        {m.active ? <Badge tone="indigo">Current</Badge> : null}
        {m.valid ? <Badge tone="emerald">Valid</Badge> : <Badge tone="rose">Invalid</Badge>}
      </div>
      <dl className="text-sm">
        {m.actions.map((a, j) => (
          <Row key={j} label={j === 0 ? 'Action' : ''}>
            {actionText(a.action)} <span className="text-xs text-slate-500">({a.action})</span>
            {a.digitalSourceType ? (
              <div>
                Source: {sourceTypeText(a.digitalSourceType)}{' '}
                <span className="text-xs break-all text-slate-500">({a.digitalSourceType})</span>
              </div>
            ) : null}
          </Row>
        ))}
        {g ? (
          <>
            <Row label="Model">{g.model.name}</Row>
            <Row label="Model weights (sha256)">
              {g.model.weightsSha256 ? (
                <span className="font-mono text-xs break-all">{g.model.weightsSha256}</span>
              ) : (
                'untrained model (no weights)'
              )}
            </Row>
            {g.model.versionId ? (
              <Row label="Model version id">
                <span className="font-mono text-xs">{g.model.versionId}</span>
              </Row>
            ) : null}
            <Row label="Routing configuration">
              <pre className="overflow-x-auto rounded bg-slate-50 p-2 text-xs">
                {JSON.stringify(g.routing, null, 2)}
              </pre>
            </Row>
            <Row label="Subject ids">
              <Ids ids={g.subjectIds} />
            </Row>
            <Row label="Consent record ids">
              <Ids ids={g.consentRecordIds} />
            </Row>
            <Row label="Generated">
              {when(g.createdAt)} · request <span className="font-mono text-xs">{g.requestId}</span>
              , image {g.index + 1}
              {g.seed !== null ? `, seed ${g.seed}` : ''}
            </Row>
          </>
        ) : null}
        {r ? (
          <>
            <Row label="Decision">{r.decision}</Row>
            <Row label="Decided">
              {when(r.decidedAt)} · by{' '}
              {r.via === 'adjudication' ? 'an adjudicator' : 'agreeing reviewers'}
            </Row>
            <Row label="Reviewers (role)">
              <ul>
                {r.reviewers.map((rv, j) => (
                  <li key={j}>
                    {rv.role} · {when(rv.at)}
                  </li>
                ))}
              </ul>
            </Row>
          </>
        ) : null}
        {m.parents.length ? (
          <Row label="Made from">
            <ul data-testid="manifest-parents">
              {m.parents.map((label) => {
                const parent = all.find((p) => p.label === label);
                const linked = m.status.some(
                  (s) =>
                    s.code === 'ingredient.manifest.validated' &&
                    s.success &&
                    (s.url ?? '').endsWith(label),
                );
                return (
                  <li key={label}>
                    {parent?.generation ? 'the generation manifest' : 'an earlier manifest'}{' '}
                    <span className="font-mono text-xs">{label}</span> —{' '}
                    {linked ? 'link verified' : 'link does not match'}
                  </li>
                );
              })}
            </ul>
          </Row>
        ) : null}
        <Row label="Signed by">
          {m.signer ? (
            <>
              {m.signer.subject}
              <div className="text-xs text-slate-500">
                issued by {m.signer.issuer} · certificate valid until {when(m.signer.notAfter)}
              </div>
            </>
          ) : (
            'no signer certificate'
          )}
        </Row>
        <Row label="Manifest label">
          <span className="font-mono text-xs">{m.label}</span>
        </Row>
        {failed.length ? (
          <Row label="Failed checks">
            <ul className="text-rose-800">
              {failed.map((s, j) => (
                <li key={j}>
                  {s.code}
                  {s.explanation ? ` — ${s.explanation}` : ''}
                </li>
              ))}
            </ul>
          </Row>
        ) : null}
      </dl>
    </section>
  );
}
