// A generation's progress in words, from what the worker reports per sampling step (plain module:
// the list, the request page and their tests share it).

export type TProgressView = {
  state: string;
  /** Sampling steps done over all images, of totalSteps = count × stepsPerImage. */
  step: number;
  totalSteps: number;
  stepsPerImage: number;
  imagesDone: number;
  count: number;
  /** Network evaluations one image takes (the sampler's count), null until the worker reports. */
  evaluationsPerImage: number | null;
};

/** Honest progress. While running: the image being sampled, its step, and the share of every step
 * of every image done (the progress bar's value/max). Otherwise: images done, steps each. */
export function progressText(r: TProgressView): string {
  if (r.state === 'running') {
    const per = Math.max(1, r.stepsPerImage);
    const image = Math.min(r.count, Math.floor(r.step / per) + 1);
    const step = Math.min(per, r.step - (image - 1) * per);
    const percent = r.totalSteps > 0 ? Math.floor((100 * r.step) / r.totalSteps) : 0;
    return `image ${image} of ${r.count} · step ${step} of ${per} · ${percent}%`;
  }
  return `${r.imagesDone}/${r.count} image${r.count === 1 ? '' : 's'} · ${r.stepsPerImage} steps each`;
}

/** What one step runs, as the sampler counted it: the conditional pass plus the guidance passes
 * (null until the worker has reported). */
export function stepCostText(r: TProgressView): string | null {
  if (!r.evaluationsPerImage) return null;
  const perStep = r.evaluationsPerImage / Math.max(1, r.stepsPerImage);
  if (!Number.isInteger(perStep)) return `${r.evaluationsPerImage} network passes per image`;
  if (perStep === 1) return 'each step: 1 network pass (no guidance)';
  return `each step: ${perStep} network passes (conditional + ${perStep === 2 ? 'guidance' : `${perStep - 1} guidance`})`;
}
