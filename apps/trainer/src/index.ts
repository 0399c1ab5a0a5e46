export * from './stages';
export * from './data';
export * from './loop';
export * from './evaluate';
export * from './variants';
export * from './prefetch';
export * from './model-dir';
