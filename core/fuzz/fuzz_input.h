/*
 * fuzz_input.h — how the libFuzzer harnesses of core/fuzz read their input:
 * big-endian numbers taken from the front, zeros once it runs out.
 */
#ifndef MM_FUZZ_INPUT_H
#define MM_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct input {
  const uint8_t *p;
  size_t n;
} input;

/* The next `bytes` bytes (at most 4) as a big-endian number; 0s past the end. */
static inline uint32_t take(input *in, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; i++) {
    v = (v << 8) | (in->n ? *in->p : 0);
    if (in->n) {
      in->p++;
      in->n--;
    }
  }
  return v;
}

#endif /* MM_FUZZ_INPUT_H */
