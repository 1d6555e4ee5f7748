/* errors.c — names and messages generated from MM_ERRNO_MAP (see errors.h). */
#include "mm/errors.h"

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
