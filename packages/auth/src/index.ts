export * from './auth';
export * from './permissions';
export * from './areas';
export * from './bootstrap';
export * from './users';
export * from './http';
export * from './throttle';
