'use client';
// Drop (or choose) a PNG: it is posted as-is to /api/provenance/verify (the image itself as the
// body, up to 12 MiB — more than the tRPC endpoint's 1 MiB JSON body allows), which runs the
// provenance.verify procedure; the result is shown below. Nothing is stored.
import { useRef, useState, type DragEvent } from 'react';
import type { TImageCredentials } from '@musar/api';
import { Alert, Button, PageHeader } from '@/ui/kit';
import { CredentialsReport } from './credentials-report';
import { failureMessage, MAX_IMAGE_BYTES } from './credentials-status';

type TState =
  | { kind: 'empty' }
  | { kind: 'checking'; fileName: string }
  | { kind: 'failed'; fileName: string; message: string }
  | { kind: 'done'; fileName: string; result: TImageCredentials };

export function CredentialsChecker() {
  const [state, setState] = useState<TState>({ kind: 'empty' });
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  async function check(file: File | undefined) {
    if (!file) return;
    const fileName = file.name || 'image';
    if (file.size === 0)
      return setState({ kind: 'failed', fileName, message: 'This file is empty.' });
    if (file.size > MAX_IMAGE_BYTES)
      return setState({ kind: 'failed', fileName, message: failureMessage(413) });
    setState({ kind: 'checking', fileName });
    try {
      const res = await fetch('/api/provenance/verify', {
        method: 'POST',
        headers: {
          'content-type': file.type.startsWith('image/') ? file.type : 'application/octet-stream',
        },
        body: file,
      });
      const body = (await res.json().catch(() => null)) as
        (TImageCredentials & { error?: undefined }) | { error: string } | null;
      if (!res.ok || !body || body.error !== undefined)
        return setState({
          kind: 'failed',
          fileName,
          message: failureMessage(res.ok ? 500 : res.status, body?.error),
        });
      setState({ kind: 'done', fileName, result: body as TImageCredentials });
    } catch {
      setState({
        kind: 'failed',
        fileName,
        message: 'Could not reach the server. Check the connection and try again.',
      });
    } finally {
      if (input.current) input.current.value = '';
    }
  }

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void check(event.dataTransfer.files[0]);
  };

  return (
    <section className="max-w-4xl space-y-4">
      <PageHeader title="Image credentials" />
      <p className="text-slate-600">
        Check a PNG’s Content Credentials (C2PA): whether it carries any, whether they are intact
        and signed by this instance, which model made it, who approved it, and whether the people
        and products it shows still consent today. The image is only checked, not stored.
      </p>
      <div
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        className={`flex flex-col items-center gap-2 rounded-lg border-2 border-dashed p-8 text-center ${
          dragging ? 'border-indigo-500 bg-indigo-50' : 'border-slate-300 bg-white'
        }`}
      >
        <p className="font-medium">Drop a PNG here</p>
        <p className="text-sm text-slate-500">or</p>
        <Button tone="primary" onClick={() => input.current?.click()}>
          Choose a PNG…
        </Button>
        <input
          ref={input}
          type="file"
          accept="image/png"
          aria-label="PNG image to check"
          className="sr-only"
          tabIndex={-1}
          onChange={(e) => void check(e.target.files?.[0])}
        />
        <p className="text-xs text-slate-500">PNG, up to 12 MiB</p>
      </div>
      <div aria-live="polite">
        {state.kind === 'empty' ? (
          <p className="text-slate-500" data-testid="credentials-empty">
            No image checked yet. Drop a PNG above, or choose one — for example an output exported
            from this instance.
          </p>
        ) : null}
        {state.kind === 'checking' ? (
          <p className="text-slate-600">Checking {state.fileName}…</p>
        ) : null}
        {state.kind === 'failed' ? (
          <div data-testid="credentials-error">
            <Alert>
              {state.fileName}: {state.message}
            </Alert>
          </div>
        ) : null}
        {state.kind === 'done' ? (
          <CredentialsReport result={state.result} fileName={state.fileName} />
        ) : null}
      </div>
    </section>
  );
}
