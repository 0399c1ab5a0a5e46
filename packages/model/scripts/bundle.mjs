// Bundles a Node entry of this package with esbuild so that exactly one copy of tfjs-core is
// included: every tfjs package is resolved through its CommonJS `main` (mainFields: ['main']);
// their ESM `module` builds would bring a second tfjs-core. wasm binaries are not bundled: set
// WASM_DIR to a folder holding tfjs-backend-wasm*.wasm at run time.
// usage: node scripts/bundle.mjs ENTRY OUTFILE   (prints the tfjs modules that went in)
import { build } from 'esbuild';

export async function bundle(entry, outfile) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['main'],
    external: ['*.node', '@tensorflow/tfjs-node-gpu'],
    outfile,
    metafile: true,
    logLevel: 'warning',
    banner: {
      js: "import{createRequire as __cr}from'module';import{fileURLToPath as __fu}from'url';import{dirname as __dn}from'path';const require=__cr(import.meta.url);const __filename=__fu(import.meta.url);const __dirname=__dn(__filename);",
    },
  });
  return Object.keys(result.metafile.inputs).filter((p) => p.includes('@tensorflow/'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [entry, outfile] = process.argv.slice(2);
  const tfjs = await bundle(entry, outfile);
  console.log(tfjs.join('\n'));
}
