import type { z } from 'zod';

/** What went wrong, for callers that branch on it (HTTP status, job retry, UI message). */
export type TMusarErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'INVALID_ROUTING'
  | 'CHECKPOINT_INVALID'
  | 'BACKEND_UNAVAILABLE';

/** Base class of every error this package throws on purpose. */
export class MusarError extends Error {
  constructor(
    readonly code: TMusarErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Tensors or options with the wrong shape, dtype or range (image size, subject count, …). */
export class InvalidInputError extends MusarError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

/** A model config that is inconsistent (patch does not divide the image, heads do not divide width). */
export class InvalidConfigError extends MusarError {
  constructor(message: string) {
    super('INVALID_CONFIG', message);
  }
}

/** Routing parameters or a routing map that cannot be used (NaN, wrong length, unknown subject). */
export class InvalidRoutingError extends MusarError {
  constructor(message: string) {
    super('INVALID_ROUTING', message);
  }
}

/** A checkpoint that is corrupt or does not fit the model (missing tensor, wrong shape, other config). */
export class CheckpointError extends MusarError {
  constructor(message: string) {
    super('CHECKPOINT_INVALID', message);
  }
}

/** A backend that was asked for explicitly but cannot run here. */
export class BackendUnavailableError extends MusarError {
  constructor(message: string) {
    super('BACKEND_UNAVAILABLE', message);
  }
}

type TErrorClass = new (message: string) => MusarError;

/** Parses with zod and turns failures into one of our typed errors with a readable message. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  ErrorClass: TErrorClass = InvalidInputError,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new ErrorClass(`${what}: ${details}`);
}
