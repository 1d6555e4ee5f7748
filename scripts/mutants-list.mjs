// The mutants of `npm run mutants` (scripts/mutants.mjs): small, plausible
// bugs, each of which the suite must kill. test/37-mutants.test.ts checks
// that every one still applies to the sources.

/**
 * file: where the bug goes; find / replace: the change (`find` must occur
 * exactly once: test/37-mutants.test.ts checks that every mutant still
 * applies); build: what to rebuild in the copy ('wasm', 'core tests',
 * 'addon'); ctest: run the core's C tests; mocha: the suites to run (none:
 * the C tests guard it).
 */
export const MUTANTS = [
  {
    name: 'wasm-flush-noop',
    what: 'flush on the wasm backend does nothing',
    file: 'wasm/backend.ts',
    find: '      if (offset === 0 && length === this.size) this.#core.flushView(this.#handle);\n      else this.#core.flushViewRange(this.#handle, offset, length);\n',
    replace: '',
    build: [],
    mocha: ['test/12-contract.test.ts', 'test/26-paged-safety.test.ts', 'test/11-wasm-pager.test.ts'],
  },
  {
    name: 'shared-inode-recheck-removed',
    what: 'an opener of a named map does not check, once locked, that the name still names its object',
    file: 'core/src/platform/posix_named.c',
    find: '  if (rc != MM_EAGAIN) return rc;\n  rc = mm__lock(fd, LOCK_SH, 0, os_errno);\n  if (rc < 0) return rc;\n  return mm__still_named(fd, name) ? 0 : MM__RETRY;\n',
    replace: '  if (rc != MM_EAGAIN) return rc;\n  rc = mm__lock(fd, LOCK_SH, 0, os_errno);\n  if (rc < 0) return rc;\n  return 0;\n',
    build: ['core tests', 'addon'],
    ctest: true,
    mocha: ['test/07-shared.test.ts', 'test/05-processes.test.ts'],
  },
  {
    name: 'readArray-off-by-one',
    what: 'readArray reads one byte past the end of the view',
    file: 'src/view-accessor.ts',
    find: 'const n = pos + want * bpe <= this.capacity ? want : Math.floor((this.capacity - pos) / bpe);',
    replace: 'const n = pos + want * bpe <= this.capacity + 1 ? want : Math.floor((this.capacity - pos + 1) / bpe);',
    build: [],
    mocha: ['test/02-accessor.test.ts', 'test/12-contract.test.ts'],
  },
  {
    name: 'cow-write-reaches-shared-page',
    what: "a copy-on-write view's write lands in the file's shared page",
    file: 'core/src/paged.c',
    find: '  if (v->own != NULL) {\n    /* Private pages',
    replace: '  if (v->own != NULL && kind == MM_PIN_READ) {\n    /* Private pages',
    build: ['wasm', 'core tests'],
    ctest: true,
    mocha: ['test/12-contract.test.ts', 'test/26-paged-safety.test.ts', 'test/10-wasm-core.test.ts'],
  },
  {
    name: 'partial-page-written-whole',
    what: 'a dirty page loaded only in part is written back whole, its unloaded sectors over the file',
    file: 'core/src/pager.c',
    find: '  uint64_t offset = fr->page_no << p->page_shift, valid = fr->valid;\n',
    replace: '  uint64_t offset = fr->page_no << p->page_shift, valid = p->full;\n',
    build: ['wasm', 'core tests'],
    ctest: true,
    mocha: ['test/11-wasm-pager.test.ts', 'test/26-paged-safety.test.ts'],
  },
  {
    name: 'stale-ghost-caches-page',
    what: 'a page read around the cache is cached at its next touch however long ago the first was',
    file: 'core/src/pager.c',
    find: '  if (p->ghosts[slot] == tag && now - p->ghost_at[slot] <= p->frame_count) {\n',
    replace: '  if (p->ghosts[slot] == tag) {\n',
    build: ['core tests'],
    ctest: true,
    mocha: [],
  },
];
