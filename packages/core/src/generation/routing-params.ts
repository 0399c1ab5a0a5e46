// Routing parameters as the product takes them: the model's own schema (ZRoutingParams and its
// bounds) narrowed by the product's caps — in this one place. Everything that takes routing from
// outside parses it here: a generation request, a routing config (and one read back from the
// database), a job payload. Past that boundary the values travel typed (TRoutingOverrides); what
// is left to check is the fit to the model a request runs on (assertRoutingForModel: its depth,
// its grid, the number of subjects). Zod only: the dashboard's forms validate with it too.
import { z } from 'zod';
import { ZRoutingParams } from '@musar/model/routing';

/** The product's caps on top of the model's bounds. */
export const ROUTING_CAPS = {
  /** last sampling step the gate may start at */
  startStep: 1000,
  /** highest routing layer index, and most layers listed */
  layer: 64,
  layers: 64,
  /** a finite gate only (omitted = the model's hard mask, β = ∞) */
  beta: 1e6,
  /** box-filter passes (the model allows more) */
  smoothing: 8,
  /** per-subject mass multiplier */
  strength: 10,
  /** strength entries: one per subject, at most the product's 4 subjects */
  subjects: 4,
} as const;

const model = ZRoutingParams.shape;

/** Dynamic-routing parameters as an operator sets them: every key optional (the model's default
 * applies, or the routing config's value a request overrides), unknown keys refused; no fixed
 * map (the product reads routing from attention). */
export const ZRoutingOverrides = z.strictObject({
  startStep: model.startStep.unwrap().max(ROUTING_CAPS.startStep).optional(),
  layers: z
    .array(model.layers.unwrap().element.max(ROUTING_CAPS.layer))
    .max(ROUTING_CAPS.layers)
    .optional(),
  beta: model.beta.unwrap().options[0].max(ROUTING_CAPS.beta).optional(),
  threshold: model.threshold.unwrap().optional(),
  smoothing: model.smoothing.unwrap().max(ROUTING_CAPS.smoothing).optional(),
  strength: z
    .array(model.strength.unwrap().element.max(ROUTING_CAPS.strength))
    .max(ROUTING_CAPS.subjects)
    .optional(),
});
export type TRoutingOverrides = z.infer<typeof ZRoutingOverrides>;
