'use client';
// The keyboard-first review loop: hold the current item plus one prefetched (its view is fetched
// ahead, so the next item shows at once), decide, undo within the window, skip, repaint.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTRPC } from '@/trpc/client';
import { fromServer, type TErrors } from '@/ui/form-errors';
import { Alert, Button, FieldError } from '@/ui/kit';
import { DecisionPanel } from './decision-panel';
import { HelpOverlay } from './help-overlay';
import { Provenance, References } from './item-details';
import { keyAction, type TAction } from './review-keys';
import { Legend, RoutingOverlay } from './routing-overlay';
import { STRENGTH_LABEL, type TMode, type TStrength } from './review-types';
import { useUndoCountdown } from './use-undo-countdown';

/** The decision's parts shown next to their controls when the server refuses one. */
const DECIDE_FIELDS = ['reasons', 'comment', 'strength', 'repaint'];

type Logged = { outputId: string; reviewId: string; decision: 'approve' | 'reject' };

export function ReviewWorkspace() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const config = useQuery(trpc.review.config.queryOptions());
  const [queue, setQueue] = useState<string[] | null>(null);
  const [pinned, setPinned] = useState<string | null>(null);
  const [log, setLog] = useState<Logged[]>([]);
  const [viewing, setViewing] = useState<number | null>(null);
  const [mode, setMode] = useState<TMode>('normal');
  const [reasons, setReasons] = useState<string[]>([]);
  const [comment, setComment] = useState('');
  const [cells, setCells] = useState<number[] | null>(null);
  const [cursor, setCursor] = useState(0);
  const [brush, setBrush] = useState(0);
  // the routing map hides nothing by default: `o` shows its outlines
  const [overlay, setOverlay] = useState(false);
  const [strength, setStrength] = useState<Record<string, TStrength>>({});
  const [selected, setSelected] = useState(0);
  const [help, setHelp] = useState(false);
  const [notice, setNotice] = useState<{ tone: 'rose' | 'emerald'; text: string } | null>(null);
  const [errors, setErrors] = useState<TErrors>({});
  const [lastDecision, setLastDecision] = useState<{ reviewId: string; undoUntil: string } | null>(
    null,
  );
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const undoLeft = useUndoCountdown(lastDecision?.undoUntil ?? null);

  const currentId =
    viewing !== null ? (log[viewing]?.outputId ?? null) : (pinned ?? queue?.[0] ?? null);
  const prefetchId = queue?.find((id) => id !== currentId) ?? null;
  const item = useQuery({
    ...trpc.review.item.queryOptions({ outputId: currentId ?? '' }),
    enabled: Boolean(currentId),
  });
  const view = item.data && item.data.outputId === currentId ? item.data : null;
  const readOnly = viewing !== null || !view?.heldByMe;

  const fail = (e: { message: string }) => setNotice({ tone: 'rose', text: e.message });
  const next = useMutation(
    trpc.review.next.mutationOptions({
      onSuccess: (r) => setQueue(r.items.map((i) => i.outputId)),
      onError: fail,
    }),
  );
  const refill = () => next.mutate({ hold: 2 });
  const drop = (outputId: string) => {
    setQueue((q) => q?.filter((id) => id !== outputId) ?? null);
    if (pinned === outputId) setPinned(null);
    refill();
  };
  const decide = useMutation(
    trpc.review.decide.mutationOptions({
      onSuccess: (r, vars) => {
        setErrors({});
        setLastDecision({ reviewId: r.reviewId, undoUntil: r.undoUntil });
        setLog((l) => [
          ...l,
          { outputId: vars.outputId, reviewId: r.reviewId, decision: vars.decision },
        ]);
        setNotice({
          tone: 'emerald',
          text: `${vars.decision === 'approve' ? 'Approved' : 'Rejected'}${r.inAdjudication ? ' — decisions disagree, sent to adjudication' : ''}. Press u to undo.`,
        });
        drop(vars.outputId);
      },
      // expired lease, withdrawn, decided elsewhere: say why, move on
      // invalid input (reasons, comment, strength votes, repaint): each next to its control
      onError: (e, vars) => {
        const fields = fromServer(e, DECIDE_FIELDS);
        setErrors(fields);
        fail({ message: fields.form ?? e.message });
        if (e.data?.code === 'PRECONDITION_FAILED' || e.data?.code === 'CONFLICT')
          drop(vars.outputId);
      },
    }),
  );
  const undo = useMutation(
    trpc.review.undo.mutationOptions({
      onSuccess: (r) => {
        setViewing(null);
        setPinned(r.heldAgain ? r.outputId : null);
        setLog((l) => l.filter((x) => x.reviewId !== r.reviewId));
        setLastDecision(null);
        setNotice({ tone: 'emerald', text: 'Decision undone; the item is back.' });
        void qc.invalidateQueries({
          queryKey: trpc.review.item.queryKey({ outputId: r.outputId }),
        });
        refill();
      },
      onError: fail,
    }),
  );
  const skip = useMutation(
    trpc.review.skip.mutationOptions({ onSuccess: (r) => drop(r.outputId), onError: fail }),
  );

  useEffect(refill, []); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (prefetchId) void qc.prefetchQuery(trpc.review.item.queryOptions({ outputId: prefetchId }));
  }, [prefetchId, qc, trpc]);
  useEffect(() => {
    // empty: look for new outputs every 10 s; holding items: renew the leases every minute
    const t = setInterval(refill, queue?.length === 0 ? 10_000 : 60_000);
    return () => clearInterval(t);
  }, [queue?.length]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    setMode('normal');
    setReasons([]);
    setComment('');
    setCells(null);
    setStrength({});
    setSelected(0);
    setCursor(0);
    setErrors({});
  }, [currentId]);

  function submit(decision: 'approve' | 'reject') {
    if (!view || decide.isPending) return;
    if (readOnly)
      return fail({
        message:
          'This item is not in your hands (looking back, or lease lost); press j to return to the queue',
      });
    const changed =
      cells && view.routingMap && cells.some((c, i) => c !== view.routingMap!.cells[i]);
    decide.mutate({
      outputId: view.outputId,
      decision,
      reasons: decision === 'reject' ? (reasons as never) : undefined,
      comment: comment.trim() || undefined,
      repaint: changed
        ? { rows: view.routingMap!.rows, cols: view.routingMap!.cols, cells: cells! }
        : undefined,
      strength: Object.keys(strength).length ? strength : undefined,
    });
  }

  function paintAt(index: number) {
    setCells((c) => (c ? c.map((v, i) => (i === index ? brush : v)) : c));
  }

  function run(a: TAction) {
    const map = view?.routingMap;
    switch (a.type) {
      case 'help':
        return setHelp((h) => !h);
      case 'cancel':
        // leaving reject mode forgets the chosen reasons (a stale "other" would demand a comment again)
        if (mode === 'reject') setReasons([]);
        return mode !== 'normal' ? setMode('normal') : setViewing(null);
      case 'approve':
        return submit('approve');
      case 'startReject':
        return readOnly
          ? fail({ message: 'Read-only: press j to return to the queue' })
          : setMode('reject');
      case 'toggleReason': {
        const id = config.data?.reasons[a.index]?.id;
        if (id) setReasons((r) => (r.includes(id) ? r.filter((x) => x !== id) : [...r, id]));
        return;
      }
      case 'confirmReject':
        return submit('reject');
      case 'comment':
        return commentRef.current?.focus();
      case 'toggleOverlay':
        return setOverlay((o) => !o);
      case 'togglePaint':
        if (mode === 'paint') return setMode('normal');
        if (!view) return fail({ message: 'The item is still loading' });
        if (!map) return fail({ message: 'This output has no routing map to paint' });
        setCells((c) => c ?? [...map.cells]);
        return setMode('paint');
      case 'brush':
        if (a.subject >= (view?.subjects.length ?? 0))
          return fail({ message: `No subject ${a.subject + 1} in this output` });
        return setBrush(a.subject);
      case 'move':
        if (!map) return;
        setCursor((cur) => {
          const r = Math.min(map.rows - 1, Math.max(0, Math.floor(cur / map.cols) + a.dr));
          const c = Math.min(map.cols - 1, Math.max(0, (cur % map.cols) + a.dc));
          const to = r * map.cols + c;
          if (a.paint) paintAt(to);
          return to;
        });
        return;
      case 'paint':
        return paintAt(cursor);
      case 'resetPaint':
        return map ? setCells([...map.cells]) : undefined;
      case 'selectSubject':
        return a.index < (view?.subjects.length ?? 0) ? setSelected(a.index) : undefined;
      case 'strength': {
        const id = view?.subjects[selected]?.id;
        if (id)
          setStrength((s) =>
            s[id] === a.value
              ? Object.fromEntries(Object.entries(s).filter(([k]) => k !== id))
              : { ...s, [id]: a.value },
          );
        return;
      }
      case 'undo':
        return undo.isPending ? undefined : undo.mutate({});
      case 'skip':
        return view && !readOnly && !skip.isPending
          ? skip.mutate({ outputId: view.outputId })
          : undefined;
      case 'previous':
        return log.length ? setViewing((v) => Math.max(0, (v ?? log.length) - 1)) : undefined;
      case 'next':
        return setViewing((v) => (v === null || v + 1 >= log.length ? null : v + 1));
    }
  }

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const target = e.target as HTMLElement | null;
      if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) {
        if (e.key === 'Escape') target.blur();
        return;
      }
      if (help && e.key !== '?' && e.key !== 'Escape') return;
      if (help) return (e.preventDefault(), setHelp(false));
      const action = keyAction(mode, e);
      if (!action) return;
      e.preventDefault();
      run(action);
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <div
      className="space-y-3"
      data-testid="review-workspace"
      data-mode={mode}
      // the item on screen (its data loaded), not the one being fetched: keys act on this one
      data-output-id={view?.outputId ?? ''}
    >
      {notice ? <Alert tone={notice.tone}>{notice.text}</Alert> : null}
      {lastDecision && undoLeft > 0 ? (
        <p className="text-xs text-slate-600" data-testid="undo-hint">
          Last decision can be undone for {undoLeft} s (u).
        </p>
      ) : null}
      {queue && queue.length === 0 && !pinned && viewing === null ? (
        <div className="rounded-lg bg-white p-6 ring-1 ring-slate-200" data-testid="queue-empty">
          <p className="font-medium">Nothing waiting for you.</p>
          <p className="text-slate-600">
            Outputs appear here when an operator’s generation finishes (this page checks every 10
            s). Until then, History shows past decisions.
          </p>
          <Button className="mt-2" onClick={refill}>
            Check now
          </Button>
        </div>
      ) : null}
      {view ? (
        <div
          className="grid gap-4 lg:grid-cols-[auto_minmax(0,1fr)_17rem]"
          data-testid="review-layout"
        >
          <div className="min-w-0 space-y-2">
            <RoutingOverlay
              item={view}
              cells={cells ?? view.routingMap?.cells ?? null}
              showOverlay={overlay}
              painting={mode === 'paint'}
              cursor={cursor}
              onPaint={paintAt}
              scale={10}
            />
            <Legend item={view} />
            <p className="max-w-80 text-xs text-slate-600" data-testid="mode-line">
              {viewing !== null
                ? `Looking back (${view.myDecision?.decision ?? 'undone'}) — j returns to the queue`
                : mode === 'paint'
                  ? `Painting with ${brush < 0 ? 'background' : `subject ${brush + 1}`} — Space paints, p when done`
                  : `Routing map ${overlay ? 'outlined' : 'hidden'} (o)${cells && view.routingMap && cells.some((c, i) => c !== view.routingMap!.cells[i]) ? ' · repainted' : ''}`}
            </p>
            {errors.repaint ? <FieldError>{errors.repaint}</FieldError> : null}
            {view.state === 'withdrawn' ? (
              <Alert>Withdrawn from review: {view.withdrawnReason}</Alert>
            ) : null}
          </div>
          <div className="min-w-0 space-y-3">
            <References item={view} strength={strength} selected={selected} />
            <p className="text-xs" data-testid="strength-line">
              Strength of subject {selected + 1}:{' '}
              {(() => {
                const id = view.subjects[selected]?.id;
                return id && strength[id] ? STRENGTH_LABEL[strength[id]!] : 'not marked';
              })()}{' '}
              (q / w / e)
            </p>
            {errors.strength ? <FieldError>{errors.strength}</FieldError> : null}
            <Provenance item={view} />
          </div>
          <div className="min-w-0 lg:row-start-1 lg:col-start-3">
            <DecisionPanel
              reasons={config.data?.reasons ?? []}
              chosen={reasons}
              errors={errors}
              mode={mode}
              comment={comment}
              commentRef={commentRef}
              busy={decide.isPending || skip.isPending}
              readOnly={readOnly}
              onComment={setComment}
              onToggle={(index) => run({ type: 'toggleReason', index })}
              onApprove={() => submit('approve')}
              onReject={() => setMode('reject')}
              onCancelReject={() => run({ type: 'cancel' })}
              onConfirmReject={() => submit('reject')}
              onSkip={() => run({ type: 'skip' })}
            />
          </div>
        </div>
      ) : currentId ? (
        <p className="text-slate-500">Loading…</p>
      ) : null}
      {help ? <HelpOverlay onClose={() => setHelp(false)} /> : null}
    </div>
  );
}
