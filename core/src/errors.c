/*
 * errors.c — names and messages generated from MM_ERRNO_MAP (see errors.h),
 * and the detail of the last failed open (mm_error_detail).
 */
#include "mm/errors.h"

#include <stdint.h>

#include "map_internal.h"

/* Per thread, as errno: addon calls run on any worker thread of the process. */
static _Thread_local char mm__detail_text[192];

const char *mm_strerror(int code) {
  switch (code) {
#define MM__ERR_MSG(name, value, msg) \
  case (value):                       \
    return (msg);
    MM_ERRNO_MAP(MM__ERR_MSG)
#undef MM__ERR_MSG
    case 0:
      return "success";
    default:
      return "unknown error";
  }
}

const char *mm_err_name(int code) {
  switch (code) {
#define MM__ERR_NAME(name, value, msg) \
  case (value):                        \
    return #name;
    MM_ERRNO_MAP(MM__ERR_NAME)
#undef MM__ERR_NAME
    case 0:
      return "OK";
    default:
      return "EUNKNOWN";
  }
}

int mm_err_from_errno(int os_errno) {
  switch (-os_errno) {
#define MM__ERR_FROM(name, value, msg) \
  case (value):                        \
    return (value);
    MM_ERRNO_MAP(MM__ERR_FROM)
#undef MM__ERR_FROM
    default:
      return MM_EIO;
  }
}

const char *mm_error_detail(void) { return mm__detail_text; }

void mm__detail_clear(void) { mm__detail_text[0] = '\0'; }

/* Appends the decimal digits of v at text[*at], within the buffer. */
static void mm__detail_number(uint64_t v, size_t *at) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0 && *at + 1 < sizeof mm__detail_text) mm__detail_text[(*at)++] = digits[--n];
}

int mm__detail(int code, const char *text, uint64_t a, uint64_t b) {
  size_t at = 0;
  int numbers = 0;
  for (; *text != '\0' && at + 1 < sizeof mm__detail_text; text++) {
    if (*text == '%') {
      mm__detail_number(numbers++ == 0 ? a : b, &at);
    } else {
      mm__detail_text[at++] = *text;
    }
  }
  mm__detail_text[at] = '\0';
  return code;
}
