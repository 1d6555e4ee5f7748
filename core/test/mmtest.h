/*
 * mmtest.h — the tiny test harness of the core's C unit tests.
 *
 * Each test file defines `static void test_xxx(void)` functions and a
 * main(argc, argv) that starts with MM_TEST_ARGS(argc, argv), runs them with
 * MM_RUN(test_xxx) and ends with `return MM_TEST_END();`. A failed check
 * prints file:line and the expression, counts a failure and returns from the
 * test function; the process exits 1 if any check failed.
 *
 * With an argument, the executable runs only the test of that name (and
 * fails if it has none): core/CMakeLists.txt registers every MM_RUN(...) of a
 * file as a ctest test of its own, so each test function is counted and
 * reported on its own (ctest --output-junit). What a test needs from the
 * machine (temporary directories, files, processes) is host.h's.
 */
#ifndef MM_TEST_H
#define MM_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int mm__test_failures = 0;
static int mm__test_count = 0;
static const char *mm__test_only = NULL; /* run only this test (argv[1]), or all */

#define MM_TEST_ARGS(argc, argv) (mm__test_only = (argc) > 1 ? (argv)[1] : NULL)

#define MM_CHECK(expr)                                                        \
  do {                                                                        \
    if (!(expr)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
      mm__test_failures++;                                                    \
      return;                                                                 \
    }                                                                         \
  } while (0)

/* Checks that an int expression equals an expected int, printing both. */
#define MM_CHECK_EQ(actual, expected)                                          \
  do {                                                                         \
    long long mm__a = (long long)(actual), mm__e = (long long)(expected);      \
    if (mm__a != mm__e) {                                                      \
      fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__,    \
              __LINE__, #actual, mm__a, #expected, mm__e);                     \
      mm__test_failures++;                                                     \
      return;                                                                  \
    }                                                                          \
  } while (0)

#define MM_RUN(fn)                                                 \
  do {                                                             \
    int mm__before = mm__test_failures;                            \
    if (mm__test_only != NULL && strcmp(mm__test_only, #fn) != 0) \
      break;                                                       \
    mm__test_count++;                                              \
    fn();                                                          \
    fprintf(stderr, "%s %s\n",                                     \
            mm__test_failures == mm__before ? "ok  " : "FAIL",     \
            #fn);                                                  \
  } while (0)

#define MM_TEST_END()                                                     \
  (fprintf(stderr, "%d tests, %d failed\n", mm__test_count,               \
           mm__test_failures),                                            \
   mm__test_failures || mm__test_count == 0 ? 1 : 0)

#endif /* MM_TEST_H */
