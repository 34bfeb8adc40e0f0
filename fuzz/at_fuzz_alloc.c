/*
 * at_fuzz_alloc: the failing allocator behind fuzz_oom (see at_fuzz_alloc.h).
 * Linked only into fuzz_oom / replay_oom, with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
 *   -Wl,--wrap=json_loadb,--wrap=json_dumps
 * so that these calls from attache's static libraries land here first.
 * json_loadb and json_dumps are wrapped only to know when a failure lands
 * inside them (see at_fuzz_alloc_injected_in).
 */
#include "at_fuzz_alloc.h"

#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
char *__real_json_dumps(const json_t *json, size_t flags);
char *__wrap_json_dumps(const json_t *json, size_t flags);
json_t *__real_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *error);
json_t *__wrap_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *error);

size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static _Thread_local int armed;
static _Thread_local long calls, injected, fail_at;
static _Thread_local int persistent;
static _Thread_local at_fuzz_in_t in_call;
static _Thread_local long injected_in[3];

void at_fuzz_alloc_arm(long n, int persist)
{
    calls = injected = 0;
    injected_in[AT_FUZZ_IN_JSON_LOAD] = injected_in[AT_FUZZ_IN_JSON_DUMP] = 0;
    fail_at = n;
    persistent = persist;
    armed = 1;
}

void at_fuzz_alloc_disarm(void)
{
    armed = 0;
}

long at_fuzz_alloc_calls(void)
{
    return calls;
}

long at_fuzz_alloc_injected(void)
{
    return injected;
}

long at_fuzz_alloc_injected_in(at_fuzz_in_t where)
{
    return where == AT_FUZZ_IN_JSON_LOAD || where == AT_FUZZ_IN_JSON_DUMP ? injected_in[where] : 0;
}

static int spare_jansson;

void at_fuzz_alloc_spare_jansson(int spare)
{
    spare_jansson = spare;
}

static int fail_now(void)
{
    if (!armed || (spare_jansson && in_call != AT_FUZZ_IN_ATTACHE))
        return 0;
    long k = calls++;
    if (k == fail_at || (persistent && k > fail_at)) {
        injected++;
        injected_in[in_call]++;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t size)
{
    return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fail_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

char *__wrap_json_dumps(const json_t *json, size_t flags)
{
    at_fuzz_in_t saved = in_call;
    in_call = AT_FUZZ_IN_JSON_DUMP;
    char *out = __real_json_dumps(json, flags);
    in_call = saved;
    return out;
}

json_t *__wrap_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *error)
{
    at_fuzz_in_t saved = in_call;
    in_call = AT_FUZZ_IN_JSON_LOAD;
    json_t *out = __real_json_loadb(buf, len, flags, error);
    in_call = saved;
    return out;
}

static void *json_alloc(size_t size)
{
    return __wrap_malloc(size);
}

static void json_release(void *p)
{
    free(p);
}

void at_fuzz_alloc_install_jansson(void)
{
    json_set_alloc_funcs(json_alloc, json_release);
}

static void *pb_alloc(void *data, size_t size)
{
    return __wrap_malloc(size);
}

static void pb_free(void *data, void *p)
{
    free(p);
}

ProtobufCAllocator at_fuzz_pb_allocator = {pb_alloc, pb_free, NULL};

#define NO_TCACHE "glibc.malloc.tcache_count=0"

static int heap_exact;

int at_fuzz_heap_exact(char **argv)
{
    if (__sanitizer_get_current_allocated_bytes)
        return heap_exact = 1;
    /* glibc counts chunks parked in the per-thread cache as in use, so
     * mallinfo2 is only exact with the cache off, and tunables are read
     * at startup: restart once with it off. */
    const char *t = getenv("GLIBC_TUNABLES");
    if (t && strstr(t, NO_TCACHE))
        return heap_exact = 1;
    if (argv) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s%s" NO_TCACHE, t ? t : "", t && *t ? ":" : "");
        setenv("GLIBC_TUNABLES", buf, 1);
        execv("/proc/self/exe", argv);
    }
    fprintf(stderr, "at_fuzz_alloc: cannot turn off glibc's tcache; leak checks are off\n");
    return heap_exact = 0;
}

size_t at_fuzz_heap_in_use(void)
{
    if (!heap_exact)
        return 0;
    if (__sanitizer_get_current_allocated_bytes)
        return __sanitizer_get_current_allocated_bytes();
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd; /* small chunks + mmapped ones */
}
