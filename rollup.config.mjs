// Builds the TypeScript API into dist/:
//   Node:    ESM (index.mjs) and CommonJS (index.cjs); the addon loads at run time from
//            build/Release and the wasm module from wasm/memmap.wasm, both relative to the bundle;
//   browser: ESM (browser/memmap.mjs) with memmap.wasm copied next to it, where the bundle
//            fetches it from (new URL('./memmap.wasm', import.meta.url), which webpack 5 and
//            Vite understand and copy on their own);
//   types:   declarations in types/ (ES modules, as the package is "type": "module") and the
//            same files in types-cjs/ under a package.json that makes them CommonJS, for
//            `require` (one set for both would be "masquerading as ESM" for CommonJS users).
// Source maps name the TypeScript sources by their path in the package, which ships them
// (src/, node/, wasm/, browser/), and also carry them inline (sourcesContent).
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';

const root = dirname(fileURLToPath(import.meta.url));
const external = [/^node:/];

/** Emits wasm/memmap.wasm next to the browser bundle. */
function wasmNextToBundle() {
  return {
    name: 'memmap-wasm-asset',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'memmap.wasm', source: readFileSync('wasm/memmap.wasm') });
    },
  };
}

/** Copies the declarations to dist/types-cjs, marked CommonJS by a package.json of their own. */
function commonJsTypes() {
  return {
    name: 'memmap-cjs-types',
    writeBundle() {
      rmSync('dist/types-cjs', { recursive: true, force: true });
      cpSync('dist/types', 'dist/types-cjs', { recursive: true });
      writeFileSync('dist/types-cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
    },
  };
}

/**
 * Map source paths relative to the map. @rollup/plugin-typescript 12 hands
 * Rollup TypeScript's maps, whose sources are relative to `outDir`/<path>.js,
 * and Rollup reads them relative to the source's own folder, so every source
 * lands as many folders above the repository as `outDir` is deep
 * (rollup/plugins#1966). This moves them back; the packed-tarball test checks
 * that every source a map names is in the package.
 */
function sourcesRelativeToMap(outDir) {
  const wrongRoot = resolve(root, ...outDir.split('/').map(() => '..'));
  return (source, mapPath) => {
    const misplaced = resolve(dirname(mapPath), source);
    return relative(dirname(mapPath), join(root, relative(wrongRoot, misplaced)));
  };
}

// A fresh dist/ each build, so that nothing stale is packed.
rmSync('dist', { recursive: true, force: true });

export default [
  {
    input: 'src/index.ts',
    external,
    output: [
      { file: 'dist/index.mjs', format: 'es', sourcemap: true, sourcemapPathTransform: sourcesRelativeToMap('dist') },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, exports: 'named', sourcemapPathTransform: sourcesRelativeToMap('dist') },
    ],
    plugins: [
      typescript({ tsconfig: './tsconfig.build.json', declaration: true, declarationDir: 'dist/types', outDir: 'dist' }),
      commonJsTypes(),
    ],
  },
  {
    input: 'browser/index.ts',
    output: {
      dir: 'dist/browser',
      entryFileNames: 'memmap.mjs',
      format: 'es',
      sourcemap: true,
      sourcemapPathTransform: sourcesRelativeToMap('dist/browser'),
    },
    plugins: [typescript({ tsconfig: './tsconfig.build.json', declaration: false, outDir: 'dist/browser' }), wasmNextToBundle()],
  },
];
