/*
 * A pager sink (mm_pager_sink) into a test's buffer that counts its calls:
 * puts (copies out of frames) and fills (storage reads straight into the
 * buffer, through the storage the pager passes, so through its fault wrapper
 * too). For the tests of mm_pager_read_sink.
 */
#ifndef MM_TEST_COUNT_SINK_H
#define MM_TEST_COUNT_SINK_H

#include <stdint.h>
#include <string.h>

#include "mm/pager.h"
#include "mm/storage.h"

typedef struct count_sink {
  mm_pager_sink base;
  uint8_t *bytes;
  unsigned puts, fills;
} count_sink;

static void count_sink_put(mm_pager_sink *sink, uint64_t at, const uint8_t *src, size_t n) {
  count_sink *c = (count_sink *)sink;
  memcpy(c->bytes + at, src, n);
  c->puts++;
}

static int count_sink_fill(mm_pager_sink *sink, mm_storage *s, uint64_t at, size_t n, uint64_t offset) {
  count_sink *c = (count_sink *)sink;
  c->fills++;
  return s->methods->read_at(s, c->bytes + at, n, offset);
}

/* A sink into `bytes` with its counters at zero. */
static count_sink count_sink_into(uint8_t *bytes) {
  count_sink c;
  c.base.put = count_sink_put;
  c.base.fill = count_sink_fill;
  c.bytes = bytes;
  c.puts = 0;
  c.fills = 0;
  return c;
}

#endif
