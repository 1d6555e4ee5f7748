/// <reference lib="esnext.disposable" preserve="true" />
/**
 * The key of every `[Symbol.dispose]()` method of memmap: the engine's
 * `Symbol.dispose` where it has one, else `Symbol.for('Symbol.dispose')` —
 * the key that TypeScript's and esbuild's downlevel `using` helpers look up
 * on engines without it (WebKit today). A computed `[Symbol.dispose]` key on
 * such an engine would be the string "undefined", and `using` would fail.
 * The declarations bring the lib that names Symbol.dispose (the reference
 * above), so a program whose lib lacks it still type-checks them.
 *
 * @module
 */
export const disposeSymbol: typeof Symbol.dispose = (Symbol.dispose ?? Symbol.for('Symbol.dispose')) as typeof Symbol.dispose;
