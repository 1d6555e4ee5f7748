/*
 * test_shared.c — named and anonymous non-persisted maps, on every platform:
 * create, open, the lifetime of a name with its holders and views, access,
 * and argument rules. What only one platform does is test_shared_posix.c's
 * (the flock protocol, other programs' objects, modes) or test_named_win32.c's.
 */
#include <stdint.h>

#include "host.h"
#include "mm/errors.h"
#include "mm/map.h"
#include "mm/view.h"
#include "mmtest.h"

static char name[64];

static void test_create_open_close(void) {
  mm_map *a = NULL, *b = NULL, *c = NULL;
  mm_view va, vb;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &a, &e), MM_ENOENT);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 0, MM_ACCESS_READ_WRITE, &a, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 10000, MM_ACCESS_READ_WRITE, &a, &e), 0);
  MM_CHECK(mm_test_named_exists(name));
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 10000, MM_ACCESS_READ_WRITE, &c, &e), MM_EEXIST);
  /* what an opener sees: 10000 where sizes are exact; a whole number of pages on Windows */
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &b, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(b), mm_test_opened_size(10000));
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, mm_test_opened_size(10000) + 1, MM_ACCESS_READ_WRITE, &c, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 5000, MM_ACCESS_READ_WRITE, &c, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(c), 5000);
  mm_map_free(c);
  MM_CHECK_EQ(mm_view_open(a, 0, 0, MM_ACCESS_READ_WRITE, &va, &e), 0);
  MM_CHECK_EQ(mm_view_open(b, 0, 0, MM_ACCESS_READ_WRITE, &vb, &e), 0);
  memcpy(mm_view_data(&va) + 9000, "shared", 6);
  MM_CHECK(memcmp(mm_view_data(&vb) + 9000, "shared", 6) == 0);
  /* the first holder goes: the data stays */
  mm_view_close(&va);
  mm_map_free(a);
  MM_CHECK(mm_test_named_exists(name));
  MM_CHECK(memcmp(mm_view_data(&vb) + 9000, "shared", 6) == 0);
  /* the map is closed but its view still holds the object */
  mm_map_free(b);
  MM_CHECK(mm_test_named_exists(name));
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &a, &e), 0);
  mm_map_free(a);
  mm_view_close(&vb);
  MM_CHECK(!mm_test_named_exists(name));
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &a, &e), MM_ENOENT);
}

static void test_access(void) {
  mm_map *w = NULL, *r = NULL;
  mm_view v;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &w, &e), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &r, &e), 0);
  MM_CHECK_EQ(mm_view_open(r, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), MM_EACCES);
  MM_CHECK_EQ(mm_view_open(r, 0, 0, MM_ACCESS_READ, &v, &e), 0);
  mm_view_close(&v);
  mm_map_free(r);
  mm_map_free(w);
  MM_CHECK(!mm_test_named_exists(name));
}

/*
 * A read view of a named map reports whether its stores stay private
 * (mm_view.stores_private, from the platform that mapped it), and where they
 * do, a store through it reaches neither the object nor a holder's view.
 */
static void test_read_view_stores(void) {
  mm_map *w = NULL, *r = NULL;
  mm_view vw, vr;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &w, &e), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &r, &e), 0);
  MM_CHECK_EQ(mm_view_open(w, 0, 0, MM_ACCESS_READ_WRITE, &vw, &e), 0);
  MM_CHECK_EQ(mm_view_open(r, 0, 0, MM_ACCESS_READ, &vr, &e), 0);
  MM_CHECK_EQ(vw.stores_private, 0);
  memcpy(mm_view_data(&vw), "held", 4);
  MM_CHECK(memcmp(mm_view_data(&vr), "held", 4) == 0);
#if defined(__APPLE__)
  /* macOS maps shared memory shared only: the read view is shared and read-only (a store would fault) */
  MM_CHECK_EQ(vr.stores_private, 0);
#else
  MM_CHECK_EQ(vr.stores_private, 1);
  mm_view_data(&vr)[0] = 'X';
  MM_CHECK_EQ(mm_view_data(&vr)[0], 'X');
  MM_CHECK_EQ(mm_view_data(&vw)[0], 'h');
#endif
  mm_view_close(&vr);
  mm_view_close(&vw);
  mm_map_free(r);
  mm_map_free(w);
  MM_CHECK(!mm_test_named_exists(name));
}

static void test_anonymous(void) {
  mm_map *m = NULL;
  mm_view a, b;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(NULL, MM_SHARED_OPEN_EXISTING, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_shared(NULL, MM_SHARED_CREATE_NEW, 1 << 20, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &a, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 4096, 4096, MM_ACCESS_READ_WRITE, &b, &e), 0);
  mm_view_data(&a)[5000] = 42;
  MM_CHECK_EQ(mm_view_data(&b)[5000 - 4096], 42);
  mm_map_free(m);
  MM_CHECK_EQ(mm_view_data(&b)[5000 - 4096], 42);
  mm_view_close(&a);
  mm_view_close(&b);
}

static void test_bad_arguments(void) {
  mm_map *m = NULL;
  int e;
  MM_CHECK_EQ(mm_map_open_shared("", MM_SHARED_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_shared(name, (mm_shared_mode)7, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 10, (mm_access)9, &m, &e), MM_EINVAL);
  {
    char longname[400];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    MM_CHECK_EQ(mm_map_open_shared(longname, MM_SHARED_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_ENAMETOOLONG);
  }
  MM_CHECK(m == NULL);
}

/* Access 'write' alone never creates a map: createNew refuses it, createOrOpen only joins. */
static void test_write_access_never_creates(void) {
  mm_map *a = NULL, *w = NULL;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 4096, MM_ACCESS_WRITE, &w, &e), MM_EINVAL);
  MM_CHECK(strstr(mm_error_detail(), "cannot create a map") != NULL);
  MM_CHECK(!mm_test_named_exists(name));
  MM_CHECK_EQ(mm_map_open_shared(NULL, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_WRITE, &w, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 8192, MM_ACCESS_READ_WRITE, &a, &e), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 8192, MM_ACCESS_WRITE, &w, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 16384, MM_ACCESS_WRITE, &w, &e), MM_ERANGE);
  MM_CHECK_EQ(strcmp(mm_error_detail(), "the map has 8192 bytes, fewer than the capacity 16384 asked for"), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 4096, MM_ACCESS_WRITE, &w, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(w), 4096);
  MM_CHECK_EQ(mm_error_detail()[0], '\0');
  mm_map_free(w);
  mm_map_free(a);
  MM_CHECK(!mm_test_named_exists(name));
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  snprintf(name, sizeof name, "mmtest-shared-%ld", mm_test_pid());
  MM_RUN(test_create_open_close);
  MM_RUN(test_access);
  MM_RUN(test_read_view_stores);
  MM_RUN(test_anonymous);
  MM_RUN(test_bad_arguments);
  MM_RUN(test_write_access_never_creates);
  return MM_TEST_END();
}
