// Imported first by the compute thread: TF.js registers its Node platform once per copy of
// tfjs-core it loads (the ESM build and the CommonJS one the gradients need), and warns
// "Platform node has already been set" on the second — at every start and in every thread. The
// same platform twice is harmless, so that one line is dropped; every other warning passes.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && /^Platform node has already been set\./.test(args[0])) return;
  warn(...args);
};
export {};
