// The evaluation gate: a candidate may serve only when, on every evaluation set (held-out suites
// and the held-out slice of recent approved items), its fidelity is not lower than the serving
// version's by more than the tolerance and its leakage not higher by more than the tolerance.
import { z } from 'zod';

export const ZSetMetrics = z.object({
  n: z.number().int().min(0),
  fidelity: z.number(),
  leakage: z.number(),
});
export type TSetMetrics = z.infer<typeof ZSetMetrics>;
export const ZTolerance = z.object({
  fidelity: z.number().min(0).max(1),
  leakage: z.number().min(0).max(1),
});
export type TTolerance = z.infer<typeof ZTolerance>;

/** MUSAR_GATE_FIDELITY_TOLERANCE / MUSAR_GATE_LEAKAGE_TOLERANCE, default 0.02 each. */
export function gateTolerance(env: Record<string, string | undefined> = process.env): TTolerance {
  return ZTolerance.parse({
    fidelity: Number(env.MUSAR_GATE_FIDELITY_TOLERANCE ?? 0.02),
    leakage: Number(env.MUSAR_GATE_LEAKAGE_TOLERANCE ?? 0.02),
  });
}

export const ZGateResult = z.object({
  passed: z.boolean(),
  tolerance: ZTolerance,
  sets: z.array(
    z.object({
      name: z.string(),
      candidate: ZSetMetrics,
      serving: ZSetMetrics.nullable(),
      passed: z.boolean(),
      reasons: z.array(z.string()),
    }),
  ),
  evaluatedAt: z.string(),
});
export type TGateResult = z.infer<typeof ZGateResult>;

export function gateDecision(
  sets: { name: string; candidate: TSetMetrics; serving: TSetMetrics | null }[],
  tolerance: TTolerance,
  now = new Date(),
): TGateResult {
  const judged = sets.map((s) => {
    const reasons: string[] = [];
    if (
      s.candidate.n === 0 ||
      !Number.isFinite(s.candidate.fidelity) ||
      !Number.isFinite(s.candidate.leakage)
    )
      reasons.push(`${s.name}: no scored items`);
    else if (s.serving && s.serving.n > 0) {
      if (s.candidate.fidelity < s.serving.fidelity - tolerance.fidelity)
        reasons.push(
          `${s.name}: fidelity ${s.candidate.fidelity.toFixed(3)} < serving ${s.serving.fidelity.toFixed(3)} − ${tolerance.fidelity}`,
        );
      if (s.candidate.leakage > s.serving.leakage + tolerance.leakage)
        reasons.push(
          `${s.name}: leakage ${s.candidate.leakage.toFixed(3)} > serving ${s.serving.leakage.toFixed(3)} + ${tolerance.leakage}`,
        );
    }
    return { ...s, passed: reasons.length === 0, reasons };
  });
  return {
    passed: judged.length > 0 && judged.every((s) => s.passed),
    tolerance,
    sets: judged,
    evaluatedAt: now.toISOString(),
  };
}
