/**
 * The key of every `[Symbol.dispose]()` method of memmap: the engine's
 * `Symbol.dispose` where it has one, else `Symbol.for('Symbol.dispose')` —
 * the key that TypeScript's and esbuild's downlevel `using` helpers look up
 * on engines without it (WebKit today). A computed `[Symbol.dispose]` key on
 * such an engine would be the string "undefined", and `using` would fail.
 *
 * @module
 */
export const disposeSymbol: typeof Symbol.dispose = (Symbol.dispose ?? Symbol.for('Symbol.dispose')) as typeof Symbol.dispose;
