/*
 * fuzz_oom: allocation-failure injection (STYLE.md item 13) on the
 * decoders that allocate, so out-of-memory paths are run, not just read.
 *
 * Input: byte 0 picks the operation, the rest is its input:
 *   0 at_json_item_parse + at_json_item_dump          (a JSON line)
 *   1 NewsItem unpack + at_json_item_validate + dump   (protobuf bytes)
 *   2 Event unpack + at_json_event_validate + dump     (protobuf bytes)
 *   3 at_enrich_item + event validate + dump           (a JSON line; real data)
 *   4 at_config_new + at_config_load_file              (INI bytes)
 *   5 at_tsv_open + at_tsv_next over every row         (TSV bytes)
 *   6 at_enrich_new on the real data dir               (2 bytes: stride, start)
 *
 * For each operation it first runs once with no failures (the reference),
 * then again with allocation number 0, 1, 2, ... failing, once failing
 * only that allocation and once failing it and every later one, until a
 * run finishes without reaching the failure. Every run must:
 *   - not crash (sanitizers catch use-after-free and double free);
 *   - release everything it allocated (heap bytes in use are compared
 *     before and after, exactly, so a leak names the failing allocation);
 *   - either fail cleanly (NULL / -1 with a reason where the API has one)
 *     or give exactly the reference result: a result built despite a lost
 *     allocation must not be silently incomplete.
 * Operation 6 loads the whole data set (about 23,100 allocations with the
 * round-4 tables), so it tests every (1 + byte 1)th allocation from byte 2
 * on, within a fixed allocation budget per pass (OP6_ALLOC_BUDGET): a full
 * sweep costs allocations x load time, which grows with the square of the
 * tables, so the stride widens as the data grows (the seeds' strides 32
 * and 97 become about 1,360 with these tables), the start byte shifts it,
 * and mutations sample the rest.
 * After changing a loader, run the full sweep by hand, without the cap:
 * `printf '\x06\x00\x00' > f; ATTACHE_FUZZ_OOM_FULL=1 ATTACHE_DATA_DIR=data
 * replay_oom f`.
 *
 * Known issues outside attache, in jansson 2.14 (docs/fuzzing.md):
 *   - json_loadb ignores a failed growth of its token buffer and parses
 *     on without the character (akheron/jansson issue #362), so a single
 *     failed allocation can make at_json_item_parse accept a URL, title
 *     or id with one byte missing;
 *   - json_dumps ignores a failed write of an object key (issue #655),
 *     so at_json_*_dump can return corrupted JSON instead of NULL.
 * A wrong result whose injected failures all fell inside json_loadb or
 * json_dumps is counted and reported at exit rather than aborting, so the
 * fuzzer can go on finding attache's own bugs; ATTACHE_FUZZ_OOM_STRICT=1
 * makes it fatal. Everything else (crashes, leaks, wrong results from a
 * failure in attache's code) is always fatal. jansson 2.14 can also
 * corrupt memory when an allocation fails inside json_loadb (same issue:
 * its lexer loses track of its buffer), which no harness can tolerate;
 * ATTACHE_FUZZ_OOM_JANSSON=0 stops failing allocations inside json_loadb
 * and json_dumps, so a fuzzing run can get past it to attache's code.
 */
#include <string.h>

#include "at_config.h"
#include "at_enrich.h"
#include "at_fuzz.h"
#include "at_fuzz_alloc.h"
#include "at_json.h"
#include "at_tsv.h"

#define NOW       1764288000LL
#define MAX_FAILS 200000
/* Operation 6: what the failing whole-data loads of one input may cost
 * per pass, counted in allocations (loads x allocations per load). The
 * number of failing loads is this budget divided by one load's
 * allocations, and at least OP6_MIN_LOADS, so an input's cost stays about
 * the same however large the tables grow (about 17 loads of the 23,100
 * allocations of the round-4 tables; it was a fixed 64 loads, which timed
 * out under ASan once the tables tripled). */
#define OP6_ALLOC_BUDGET 400000L
#define OP6_MIN_LOADS    8

static at_enrich_t *engine;
static at_fuzz_file_t *file;
static int strict, verbose, full_sweep;
static unsigned long known_load, known_dump;

static void report_known(void)
{
    if (known_load)
        fprintf(stderr,
                "fuzz_oom: KNOWN ISSUE: %lu run(s) where a failed allocation inside json_loadb "
                "gave a wrong successful parse instead of an error (jansson issue #362)\n",
                known_load);
    if (known_dump)
        fprintf(stderr,
                "fuzz_oom: KNOWN ISSUE: %lu run(s) where a failed allocation inside json_dumps "
                "gave corrupted JSON instead of NULL (jansson issue #655)\n",
                known_dump);
    if (known_load || known_dump)
        fprintf(stderr, "fuzz_oom: ATTACHE_FUZZ_OOM_STRICT=1 makes these fatal\n");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    at_fuzz_heap_exact(argv ? *argv : NULL);
    at_fuzz_alloc_install_jansson();
    const char *st = getenv("ATTACHE_FUZZ_OOM_STRICT");
    strict = st && *st && strcmp(st, "0") != 0;
    const char *fs = getenv("ATTACHE_FUZZ_OOM_FULL");
    full_sweep = fs && *fs && *fs != '0';
    const char *v = getenv("ATTACHE_FUZZ_OOM_VERBOSE");
    verbose = v && *v ? atoi(v) : 0;
    const char *j = getenv("ATTACHE_FUZZ_OOM_JANSSON");
    at_fuzz_alloc_spare_jansson(j && strcmp(j, "0") == 0);
    atexit(report_known);
    file = at_fuzz_file_new("oom");
    char err[512] = "";
    engine = at_enrich_new(at_fuzz_data_dir(), err, sizeof err);
    AT_FUZZ_CHECK(engine != NULL, "cannot load %s: %s", at_fuzz_data_dir(), err);
    return 0;
}

/* One run's observable result: ok, plus a rendering to compare against
 * the reference: text (a JSON dump or config print, allocated by the code
 * under test) or digest (written by the harness without allocating, so
 * the harness itself never draws on the failing allocator). */
typedef struct {
    int ok;
    char *text;
    char digest[128];
    char err[512];
} result_t;

static void result_free(result_t *r)
{
    free(r->text);
    r->text = NULL;
}

static const uint8_t *in_data;
static size_t in_size;

/* --- the operations ------------------------------------------------------ */

static void op_json(result_t *r)
{
    Attache__V1__NewsItem *item =
        at_json_item_parse((const char *)in_data, in_size, NOW, r->err, sizeof r->err);
    if (!item)
        return;
    r->text = at_json_item_dump(item);
    r->ok = r->text != NULL;
    if (!r->ok)
        snprintf(r->err, sizeof r->err, "dump failed");
    at_json_item_free(&item);
}

static void op_proto_item(result_t *r)
{
    Attache__V1__NewsItem *item =
        attache__v1__news_item__unpack(&at_fuzz_pb_allocator, in_size, in_data);
    if (!item) {
        snprintf(r->err, sizeof r->err, "unpack failed");
        return;
    }
    if (at_json_item_validate(item, r->err, sizeof r->err) == 0) {
        r->text = at_json_item_dump(item);
        r->ok = r->text != NULL;
    }
    attache__v1__news_item__free_unpacked(item, &at_fuzz_pb_allocator);
}

static void op_proto_event(result_t *r)
{
    Attache__V1__Event *ev = attache__v1__event__unpack(&at_fuzz_pb_allocator, in_size, in_data);
    if (!ev) {
        snprintf(r->err, sizeof r->err, "unpack failed");
        return;
    }
    if (at_json_event_validate(ev, r->err, sizeof r->err) == 0) {
        r->text = at_json_event_dump(ev);
        r->ok = r->text != NULL;
    }
    attache__v1__event__free_unpacked(ev, &at_fuzz_pb_allocator);
}

/* The item is parsed before the gate is armed: op 0 covers parsing. */
static Attache__V1__NewsItem *enrich_input;

static void op_enrich(result_t *r)
{
    if (!enrich_input) {
        snprintf(r->err, sizeof r->err, "no item");
        return;
    }
    /* at_enrich_item takes the item; hand it a copy so every run sees the
     * same one. The copy is made through the gate as well. */
    size_t n = attache__v1__news_item__get_packed_size(enrich_input);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return;
    attache__v1__news_item__pack(enrich_input, buf);
    Attache__V1__NewsItem *item = attache__v1__news_item__unpack(NULL, n, buf);
    free(buf);
    if (!item)
        return;
    Attache__V1__Event *ev = at_enrich_item(engine, &item, NOW);
    AT_FUZZ_CHECK(item == NULL, "at_enrich_item did not take the item");
    if (!ev)
        return;
    if (at_json_event_validate(ev, r->err, sizeof r->err) == 0) {
        r->text = at_json_event_dump(ev);
        r->ok = r->text != NULL;
    }
    at_enrich_event_free(&ev);
}

static const at_cfg_def_t cfg_defs[] = {
    {"debug", AT_CFG_BOOL, "false", 0, 0, NULL, true, "d"},
    {"input.endpoint", AT_CFG_STRING, "zmq+tcp://127.0.0.1:7101", 0, 0, NULL, false, "e"},
    {"input.hwm", AT_CFG_INT, "1000", 0, 10000000, NULL, false, "h"},
    {"log.level", AT_CFG_ENUM, "info", 0, 0, "debug|info|warning", true, "l"},
    {"kafka.*", AT_CFG_PASSTHROUGH, NULL, 0, 0, NULL, false, "k"},
    AT_CFG_END,
};

static int print_pt(void *arg, const char *property, const char *value)
{
    fprintf(arg, "kafka.%s = %s\n", property, value);
    return 0;
}

static void op_config(result_t *r)
{
    at_config_t *cfg = at_config_new(cfg_defs);
    if (!cfg) {
        snprintf(r->err, sizeof r->err, "at_config_new failed");
        return;
    }
    if (at_config_load_file(cfg, at_fuzz_file_path(file), r->err, sizeof r->err) == 0) {
        /* Rendering allocates only inside libc (open_memstream), which the
         * gate does not see; that is fine, it is not the code under test. */
        size_t len = 0;
        FILE *m = open_memstream(&r->text, &len);
        AT_FUZZ_CHECK(m != NULL, "open_memstream");
        at_config_print(cfg, m);
        at_config_passthrough_each(cfg, "kafka", print_pt, m);
        fclose(m);
        r->ok = 1;
    }
    at_config_destroy(&cfg);
}

static const char *const tsv_cols[] = {"code", "name", "source", "checked_on"};

static void op_tsv(result_t *r)
{
    at_tsv_t *t = at_tsv_open(at_fuzz_file_path(file), tsv_cols, 4, r->err, sizeof r->err);
    if (!t)
        return;
    /* FNV-1a over every field: no allocation while the gate is armed. */
    uint64_t h = 1469598103934665603ULL;
    int rc;
    while ((rc = at_tsv_next(t, r->err, sizeof r->err)) == 1) {
        for (size_t c = 0; c < 4; c++) {
            for (const char *f = at_tsv_field(t, c); *f; f++)
                h = (h ^ (unsigned char)*f) * 1099511628211ULL;
            h = (h ^ 0xff) * 1099511628211ULL;
        }
    }
    at_tsv_destroy(&t);
    if (rc == 0) {
        r->ok = 1;
        snprintf(r->digest, sizeof r->digest, "%016llx", (unsigned long long)h);
    }
}

static void op_enrich_new(result_t *r)
{
    at_enrich_t *e = at_enrich_new(at_fuzz_data_dir(), r->err, sizeof r->err);
    if (!e)
        return;
    r->ok = 1;
    snprintf(r->digest, sizeof r->digest, "%s %zu %zu %zu", at_enrich_data_version(e),
             at_enrich_country_count(e), at_enrich_alias_count(e), at_enrich_actor_count(e));
    at_enrich_destroy(&e);
}

typedef struct {
    const char *name;
    void (*run)(result_t *);
    int has_reason; /* failures come with a reason in err */
} op_t;

static const op_t ops[] = {
    {"json_item_parse", op_json, 1},     {"news_item_unpack", op_proto_item, 0},
    {"event_unpack", op_proto_event, 0}, {"enrich_item", op_enrich, 0},
    {"config_load_file", op_config, 1},  {"tsv_open", op_tsv, 1},
    {"enrich_new", op_enrich_new, 1},
};
#define NOPS (sizeof ops / sizeof ops[0])

/* --- the sweep ----------------------------------------------------------- */

static void run_checked(const op_t *op, const result_t *ref, long n, int persistent, int *done)
{
    result_t r = {0};
    if (verbose > 1)
        fprintf(stderr, "fuzz_oom: %s: failing allocation %ld (%s)\n", op->name, n,
                persistent ? "persistent" : "once");
    size_t before = at_fuzz_heap_in_use();
    at_fuzz_alloc_arm(n, persistent);
    op->run(&r);
    at_fuzz_alloc_disarm();
    long injected = at_fuzz_alloc_injected();
    if (injected == 0)
        *done = 1;
    int same = r.ok && ref->ok && strcmp(ref->digest, r.digest) == 0 &&
               (ref->text && r.text ? strcmp(ref->text, r.text) == 0 : ref->text == r.text);
    long in_load = at_fuzz_alloc_injected_in(AT_FUZZ_IN_JSON_LOAD);
    long in_dump = at_fuzz_alloc_injected_in(AT_FUZZ_IN_JSON_DUMP);
    if (r.ok && !same && !strict && injected > 0 && in_load + in_dump == injected) {
        if (in_load)
            known_load++;
        if (in_dump)
            known_dump++;
    } else if (r.ok) {
        /* Success despite a failed allocation is fine only if nothing was
         * lost: the result must be the reference result. */
        AT_FUZZ_CHECK(same,
                      "%s: allocation %ld failed (%s) and the call still succeeded with a "
                      "different result:\n  got  %.300s%s\n  want %.300s%s",
                      op->name, n, persistent ? "persistent" : "once", r.text ? r.text : "",
                      r.digest, ref->ok ? (ref->text ? ref->text : "") : "(failure)", ref->digest);
    } else if (op->has_reason && injected) {
        AT_FUZZ_CHECK(r.err[0] != '\0', "%s: allocation %ld failed and the error has no reason",
                      op->name, n);
    }
    result_free(&r);
    size_t after = at_fuzz_heap_in_use();
    AT_FUZZ_CHECK(after == before,
                  "%s: leak of %zd bytes when allocation %ld fails (%s; %ld injected)", op->name,
                  (ssize_t)(after - before), n, persistent ? "persistent" : "once", injected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size == 0)
        return 0;
    const op_t *op = &ops[data[0] % NOPS];
    in_data = data + 1;
    in_size = size - 1;
    if (op->run == op_config || op->run == op_tsv)
        at_fuzz_file_set(file, in_data, in_size);
    if (op->run == op_enrich)
        enrich_input = at_json_item_parse((const char *)in_data, in_size, NOW, NULL, 0);

    /* The reference run goes through the gate too, never failing, to
     * count the allocations the sweep has to cover. */
    result_t ref = {0};
    at_fuzz_alloc_arm(-1, 0);
    op->run(&ref);
    at_fuzz_alloc_disarm();
    long total = at_fuzz_alloc_calls();

    long start = 0, step = 1;
    if (op->run == op_enrich_new) {
        step = 1 + (in_size > 0 ? in_data[0] : 96);
        /* A fixed allocation budget per pass, however large the tables
         * grow: the stride widens with the allocation count. */
        long loads = OP6_ALLOC_BUDGET / (total > 0 ? total : 1);
        if (loads < OP6_MIN_LOADS)
            loads = OP6_MIN_LOADS;
        if (!full_sweep && step < total / loads + 1)
            step = total / loads + 1;
        start = in_size > 1 ? in_data[1] : 0;
    }
    long runs = 0;
    for (int persistent = 0; persistent <= 1; persistent++) {
        int done = 0;
        for (long n = start; !done && n < MAX_FAILS; n += step, runs++)
            run_checked(op, &ref, n, persistent, &done);
    }
    if (verbose)
        fprintf(stderr, "fuzz_oom: %s: %ld allocations, %ld failing runs, reference %s\n", op->name,
                total, runs, ref.ok ? "ok" : "failed");
    result_free(&ref);
    at_json_item_free(&enrich_input);
    return 0;
}
