// The one tRPC-error → HTTP mapping (packages/api/src/http-errors.ts, exported by its http module)
// for this app's route handlers. @musar/api's package exports do not list that module yet, so it
// is reached by path here, in this one place: re-point this line when they do.
export { httpStatusOf, trpcErrorResponse } from '../../../../packages/api/src/http';
