// The domain's errors: what a service throws when a rule says no. The tRPC layer maps each code
// to the tRPC code of the same name (packages/api/src/errors.ts); other callers read `code`.

export type ServiceErrorCode =
  'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN' | 'BAD_REQUEST' | 'PRECONDITION_FAILED';

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export const notFound = (what: string) => new ServiceError('NOT_FOUND', `${what} not found`);
