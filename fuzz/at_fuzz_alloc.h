/*
 * at_fuzz_alloc: allocation-failure injection for fuzz_oom (STYLE.md item
 * 13; the idea of jq's src/inject_errors.c and SQLite's test_malloc.c).
 *
 * Every allocation attache makes goes through one of three doors, and
 * each gets a counting gate that can be told to fail the Nth call (and,
 * if persistent, every later one):
 *   - malloc/calloc/realloc/strdup/strndup called from attache's own code
 *     (the static libraries and the target), via the linker's --wrap;
 *   - jansson, via json_set_alloc_funcs (at_fuzz_alloc_install_jansson);
 *   - protobuf-c unpack, via the ProtobufCAllocator at_fuzz_pb_allocator.
 * All three draw plain malloc memory, so whatever frees with free() (as
 * at_json's callers do) stays correct.
 *
 * Only the thread that armed the gate sees failures: libFuzzer's own
 * threads and allocations outside the measured call are never failed.
 */
#ifndef AT_FUZZ_ALLOC_H
#define AT_FUZZ_ALLOC_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Count allocations from now on; fail the one numbered fail_at (0 = the
 * first) and, when persistent, every one after it. */
void at_fuzz_alloc_arm(long fail_at, int persistent);

/* Stop failing and counting. */
void at_fuzz_alloc_disarm(void);

/* Allocation calls seen and failures injected since the last arm. */
long at_fuzz_alloc_calls(void);
long at_fuzz_alloc_injected(void);

/* Of those, failures injected while jansson's json_loadb or json_dumps
 * was running (both are wrapped too, to know). Lets fuzz_oom tell known
 * jansson bugs apart from attache's own: jansson issue #362 (json_loadb
 * drops a character when its token buffer cannot grow, and parses on)
 * and issue #655 (json_dumps ignores a failed write of an object key and
 * returns corrupted JSON instead of NULL). */
typedef enum {
    AT_FUZZ_IN_ATTACHE = 0,
    AT_FUZZ_IN_JSON_LOAD = 1,
    AT_FUZZ_IN_JSON_DUMP = 2
} at_fuzz_in_t;
long at_fuzz_alloc_injected_in(at_fuzz_in_t where);

/* When spare is non-zero, never fail an allocation made inside json_loadb
 * or json_dumps (they are neither counted nor failed), so a search can get
 * past jansson's own out-of-memory bugs to attache's. */
void at_fuzz_alloc_spare_jansson(int spare);

/* Route jansson's allocations through the gate (process-wide, once). */
void at_fuzz_alloc_install_jansson(void);

/* protobuf-c allocator that goes through the gate. */
extern ProtobufCAllocator at_fuzz_pb_allocator;

/* Make at_fuzz_heap_in_use exact; call first thing, with main's argv.
 * Under ASan it is (the sanitizer allocator keeps the count). Without a
 * sanitizer it uses glibc's mallinfo2, which is exact only with glibc's
 * tcache off, so the process re-executes itself once with
 * GLIBC_TUNABLES=glibc.malloc.tcache_count=0. Returns 1 when exact; 0
 * (argv NULL or exec failed) turns at_fuzz_heap_in_use into a constant,
 * i.e. leak checks off. */
int at_fuzz_heap_exact(char **argv);

/* Bytes currently allocated on the heap, for exact leak checks around
 * one call (0 when at_fuzz_heap_exact said it cannot be exact). */
size_t at_fuzz_heap_in_use(void);

#endif
