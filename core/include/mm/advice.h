/*
 * advice.h — access-pattern advice for a view's pages (madvise(2) and its
 * kin): the one list of advice names, from which the TypeScript API's list is
 * generated (scripts/generate-core-data.mjs).
 *
 * Advice is a hint: it never changes what a view reads or writes. In
 * particular 'dontNeed' only lets the memory of clean pages go; bytes written
 * and not yet flushed are never dropped, on any backend and for any access
 * (a copy-on-write view's private changes included).
 *
 *   normal      no special treatment (the default)
 *   sequential  pages will be read in ascending order: read ahead
 *   random      pages will be read in no order: read no more than asked for
 *   willNeed    the range will be read soon: start loading it
 *   dontNeed    the range will not be needed soon: its memory may go
 */
#ifndef MM_ADVICE_H
#define MM_ADVICE_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, api) */
#define MM_ADVICE_MAP(X)                 \
  X(NORMAL, 0, "normal")                 \
  X(SEQUENTIAL, 1, "sequential")         \
  X(RANDOM, 2, "random")                 \
  X(WILL_NEED, 3, "willNeed")            \
  X(DONT_NEED, 4, "dontNeed")

typedef enum mm_advice {
#define MM__ADVICE_ENUM(name, value, api) MM_ADVICE_##name = (value),
  MM_ADVICE_MAP(MM__ADVICE_ENUM)
#undef MM__ADVICE_ENUM
  MM_ADVICE__COUNT
} mm_advice;

#ifdef __cplusplus
}
#endif

#endif /* MM_ADVICE_H */
