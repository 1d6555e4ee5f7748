// Builds the TypeScript API into dist/: ESM (index.mjs), CommonJS (index.cjs)
// and declarations (index.d.ts and friends). The addon is loaded at run time
// from build/Release, relative to the bundle (node/backend.ts).
import typescript from '@rollup/plugin-typescript';

const external = [/^node:/];

export default [
  {
    input: 'src/index.ts',
    external,
    output: [
      { file: 'dist/index.mjs', format: 'es', sourcemap: true },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
    ],
    plugins: [
      typescript({
        tsconfig: './tsconfig.build.json',
        declaration: true,
        declarationDir: 'dist',
        outDir: 'dist',
      }),
    ],
  },
];
