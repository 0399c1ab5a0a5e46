// The evaluation gate's comparison: candidate vs serving per evaluation set, with the tolerance.
type TSet = { n: number; fidelity: number; leakage: number };
export type TGate = { passed: boolean; tolerance: { fidelity: number; leakage: number }; sets: { name: string; candidate: TSet; serving: TSet | null; passed: boolean; reasons: string[] }[] };

const f = (v: number | undefined) => (v == null || Number.isNaN(v) ? '—' : v.toFixed(3));

export function GateTable({ gate }: { gate: TGate }) {
  return (
    <div data-testid="gate" data-passed={gate.passed}>
      <div className={gate.passed ? 'text-emerald-700' : 'text-rose-700'}>
        {gate.passed ? 'passed' : 'failed'} (tolerance ±{gate.tolerance.fidelity} fidelity, ±{gate.tolerance.leakage} leakage)
      </div>
      <table className="text-xs">
        <thead>
          <tr className="text-slate-500">
            <th className="pr-2">set</th>
            <th className="pr-2">n</th>
            <th className="pr-2">fidelity cand / serving</th>
            <th>leakage cand / serving</th>
          </tr>
        </thead>
        <tbody>
          {gate.sets.map((s) => (
            <tr key={s.name} className={s.passed ? '' : 'text-rose-700'} title={s.reasons.join('; ')}>
              <td className="pr-2">{s.name}</td>
              <td className="pr-2">{s.candidate.n}</td>
              <td className="pr-2">{f(s.candidate.fidelity)} / {f(s.serving?.fidelity)}</td>
              <td>{f(s.candidate.leakage)} / {f(s.serving?.leakage)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
