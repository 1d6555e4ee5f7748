// Builds the TypeScript API into dist/:
//   Node:    ESM (index.mjs), CommonJS (index.cjs) and declarations (dist/src, dist/node, ...);
//            the addon loads at run time from build/Release and the wasm module from
//            wasm/memmap.wasm, both relative to the bundle.
//   browser: ESM (browser/memmap.mjs) with memmap.wasm copied next to it, where the
//            bundle fetches it from by default.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';

const external = [/^node:/];

/** Regenerates src/generated/core.ts from the core's headers before anything is compiled. */
function coreData() {
  return {
    name: 'memmap-core-data',
    buildStart() {
      execFileSync(process.execPath, ['scripts/generate-core-data.mjs'], { stdio: 'inherit' });
    },
  };
}

/** Emits wasm/memmap.wasm next to the browser bundle. */
function wasmNextToBundle() {
  return {
    name: 'memmap-wasm-asset',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'memmap.wasm', source: readFileSync('wasm/memmap.wasm') });
    },
  };
}

export default [
  {
    input: 'node/index.ts',
    external,
    output: [
      { file: 'dist/index.mjs', format: 'es', sourcemap: true },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
    ],
    plugins: [
      coreData(),
      typescript({
        tsconfig: './tsconfig.build.json',
        declaration: true,
        declarationDir: 'dist',
        outDir: 'dist',
      }),
    ],
  },
  {
    input: 'browser/index.ts',
    output: { dir: 'dist/browser', entryFileNames: 'memmap.mjs', format: 'es', sourcemap: true },
    plugins: [
      typescript({ tsconfig: './tsconfig.build.json', declaration: false, outDir: 'dist/browser' }),
      wasmNextToBundle(),
    ],
  },
];
