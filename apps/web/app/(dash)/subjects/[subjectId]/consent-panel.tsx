'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@musar/api';
import { useTRPC } from '@/trpc/client';
import { fromServer } from '@/ui/form-errors';
import { formatWhen } from '@/ui/format';
import { Alert, Badge, Button } from '@/ui/kit';
import { GrantConsentDialog, REVOKE_FIELDS, RevokeDialog } from './consent-dialogs';

type Subject = inferRouterOutputs<AppRouter>['subjects']['get'];
type Cascade = inferRouterOutputs<AppRouter>['consents']['revoke']['cascade'];
const TONE = { active: 'emerald', pending: 'amber', expired: 'slate', revoked: 'rose' } as const;

function describe(c: Cascade): string {
  if (!c)
    return 'Revoked. The subject still has consent in force for that scope, so nothing else changed.';
  const parts = [
    `${c.cancelledRequestIds.length} queued generation(s) cancelled`,
    `${c.withdrawnOutputIds.length} output(s) withdrawn`,
    `${c.taintedVersionIds.length} model version(s) tainted`,
  ];
  if (c.servingMoved) parts.push(`serving pointer moved to ${c.servingMoved.to ?? 'none'}`);
  if (c.taintedVersionIds.length)
    parts.push(c.retrainScheduled ? 'retrain scheduled' : 'retrain requested (see audit)');
  return `Revoked: ${parts.join(', ')}.`;
}

export function ConsentPanel({ subject, onChange }: { subject: Subject; onChange: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  async function download(consentId: string) {
    const file = await queryClient.fetchQuery(trpc.consents.evidence.queryOptions({ consentId }));
    // a blob: URL, not a data: URL — evidence files of a few MiB exceed browsers' URL limits
    const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type: file.mimeType }));
    const link = document.createElement('a');
    link.href = url;
    link.download = file.name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
  const [dialog, setDialog] = useState<'grant' | { consentId?: string; label: string } | null>(
    null,
  );
  const [result, setResult] = useState<string | null>(null);
  const revoke = useMutation(trpc.consents.revoke.mutationOptions());
  const revokeAll = useMutation(trpc.consents.revokeAll.mutationOptions());
  const revokeError = revoke.error ?? revokeAll.error;
  const open = subject.consents.filter((c) => c.status === 'active' || c.status === 'pending');
  async function onRevoke(consentId: string | undefined, reason: string) {
    // the other mutation's earlier refusal is not this attempt's
    revoke.reset();
    revokeAll.reset();
    const res = consentId
      ? await revoke.mutateAsync({ consentId, reason })
      : await revokeAll.mutateAsync({ subjectId: subject.id, reason });
    setDialog(null);
    setResult(res.alreadyRevoked ? 'Already revoked; nothing changed.' : describe(res.cascade));
    onChange();
  }
  return (
    <div>
      <div className="mb-2 flex items-center justify-between">
        <h2 className="font-semibold">Consent</h2>
        {subject.erasedAt ? null : (
          <div className="flex gap-2">
            {open.length ? (
              <Button
                tone="danger"
                onClick={() => setDialog({ label: 'all consent of this subject' })}
              >
                Revoke all consent
              </Button>
            ) : null}
            <Button tone="primary" onClick={() => setDialog('grant')}>
              Record consent
            </Button>
          </div>
        )}
      </div>
      {result ? (
        <div className="mb-2" data-testid="revoke-result">
          <Alert tone="emerald">{result}</Alert>
        </div>
      ) : null}
      <div className="overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
        <table className="min-w-full text-left text-sm" data-testid="consent-table">
          <thead className="border-b border-slate-200 text-xs text-slate-500 uppercase">
            <tr>
              <th className="px-3 py-2">Scope</th>
              <th className="px-3 py-2">Status</th>
              <th className="px-3 py-2">Granted by</th>
              <th className="px-3 py-2">Evidence</th>
              <th className="px-3 py-2">Valid</th>
              <th className="px-3 py-2">Revocation</th>
              <th className="px-3 py-2" />
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {subject.consents.map((c) => (
              <tr key={c.id} data-testid="consent-row" data-scope={c.scope} data-status={c.status}>
                <td className="px-3 py-1.5 font-medium">{c.scope}</td>
                <td className="px-3 py-1.5">
                  <Badge tone={TONE[c.status]}>{c.status}</Badge>
                </td>
                <td className="px-3 py-1.5">{c.grantedBy}</td>
                <td className="max-w-xs px-3 py-1.5">
                  <span className="line-clamp-2">{c.evidence}</span>
                  {c.evidenceFile?.erased ? (
                    <span
                      className="block text-xs text-slate-500"
                      title={`sha256 ${c.evidenceFile.sha256}`}
                    >
                      {c.evidenceFile.name} ({Math.ceil(c.evidenceFile.bytes / 1024)} KiB) — erased
                    </span>
                  ) : c.evidenceFile ? (
                    <button
                      type="button"
                      className="block text-xs text-indigo-700 hover:underline"
                      onClick={() => void download(c.id)}
                    >
                      {c.evidenceFile.name} ({Math.ceil(c.evidenceFile.bytes / 1024)} KiB)
                    </button>
                  ) : null}
                </td>
                <td className="px-3 py-1.5 text-xs whitespace-nowrap">
                  {formatWhen(c.validFrom)} → {c.expiresAt ? formatWhen(c.expiresAt) : 'no expiry'}
                </td>
                <td className="px-3 py-1.5 text-xs">
                  {c.revokedAt ? `${formatWhen(c.revokedAt)} — ${c.revokedReason ?? ''}` : ''}
                </td>
                <td className="px-3 py-1.5 text-right">
                  {c.status === 'active' || c.status === 'pending' ? (
                    <Button
                      tone="ghost"
                      onClick={() =>
                        setDialog({ consentId: c.id, label: `the ${c.scope} consent` })
                      }
                    >
                      Revoke
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
            {subject.consents.length === 0 ? (
              <tr>
                <td colSpan={7} className="px-3 py-4 text-center text-slate-500">
                  No consent recorded: the subject cannot be used. Record a generate consent so
                  operators can use it (and a train consent so retraining may learn from its
                  outputs).
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {dialog === 'grant' ? (
        <GrantConsentDialog
          subjectId={subject.id}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            onChange();
          }}
        />
      ) : dialog ? (
        <RevokeDialog
          label={dialog.label}
          errors={revokeError ? fromServer(revokeError, REVOKE_FIELDS) : {}}
          pending={revoke.isPending || revokeAll.isPending}
          onClose={() => setDialog(null)}
          onRevoke={(reason) => onRevoke(dialog.consentId, reason).catch(() => undefined)}
        />
      ) : null}
    </div>
  );
}
