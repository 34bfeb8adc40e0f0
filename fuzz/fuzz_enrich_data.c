/*
 * fuzz_enrich_data: at_enrich_new, the loader of the whole reference data
 * set (VERSION and the ten .tsv tables with their cross-references), on
 * a copy of the real data directory in which one file is replaced by, or
 * extended with, the input.
 *
 * Input layout: byte 0 picks the file (low bits, modulo 11, in the order
 * of `names` below) and the mode (bit 7 set: append the rest of the input
 * to the real file, so a few bytes can add a row to a table the others
 * depend on; clear: replace the file with the rest of the input).
 *
 * Checks (at_enrich.h): a failed load names a file and line in its error
 * ("path:line: reason"); a successful one reports non-zero counts and
 * enriches items: one with a fixed text naming people and places from the
 * real data, and one whose body is the table bytes themselves (so any
 * spelling the input added is also mentioned), both on a few reference
 * dates. Their events must validate and dump whenever the item does.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "at_enrich.h"
#include "at_fuzz.h"
#include "at_json.h"

static const char *const names[] = {
    "VERSION",      "countries.tsv",     "aliases.tsv",    "places.tsv",
    "treaties.tsv", "participation.tsv", "actors.tsv",     "roles.tsv",
    "warrants.tsv", "actor_aliases.tsv", "executives.tsv",
};
#define NFILES (sizeof names / sizeof names[0])

static char dir[512];
static uint8_t *orig[NFILES];
static size_t orig_len[NFILES];

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    AT_FUZZ_CHECK(f != NULL, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    AT_FUZZ_CHECK(buf != NULL, "out of memory");
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            buf = realloc(buf, cap *= 2);
            AT_FUZZ_CHECK(buf != NULL, "out of memory");
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static void put(const char *name, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    AT_FUZZ_CHECK(f != NULL, "%s: %s", path, strerror(errno));
    AT_FUZZ_CHECK((!alen || fwrite(a, 1, alen, f) == alen) &&
                      (!blen || fwrite(b, 1, blen, f) == blen),
                  "write %s", path);
    AT_FUZZ_CHECK(fclose(f) == 0, "close %s", path);
}

static void cleanup(void)
{
    char path[1024];
    for (size_t i = 0; i < NFILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/attache-fuzz-data-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    AT_FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    atexit(cleanup);
    for (size_t i = 0; i < NFILES; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", at_fuzz_data_dir(), names[i]);
        orig[i] = slurp(path, &orig_len[i]);
        put(names[i], orig[i], orig_len[i], NULL, 0);
    }
    /* The unmodified copy must load, or every input would just fail. */
    char err[512] = "";
    at_enrich_t *e = at_enrich_new(dir, err, sizeof err);
    AT_FUZZ_CHECK(e != NULL, "the real data set does not load: %s", err);
    at_enrich_destroy(&e);
    return 0;
}

static Attache__V1__NewsItem *make_item(const char *title, const char *body, int64_t published)
{
    Attache__V1__NewsItem *item = malloc(sizeof *item);
    AT_FUZZ_CHECK(item != NULL, "out of memory");
    attache__v1__news_item__init(item);
    item->id = strdup("fuzz-item");
    item->title = strdup(title);
    item->body = body[0] ? strdup(body) : (char *)protobuf_c_empty_string;
    AT_FUZZ_CHECK(item->id && item->title && item->body, "out of memory");
    item->published = published;
    return item;
}

static void enrich_one(const at_enrich_t *e, const char *title, const char *body, int64_t when)
{
    Attache__V1__NewsItem *item = make_item(title, body, when);
    int valid = at_json_item_validate(item, NULL, 0) == 0;
    Attache__V1__Event *ev = at_enrich_item(e, &item, 1764288000LL);
    AT_FUZZ_CHECK(ev != NULL, "no event");
    char err[256] = "";
    char *line = at_json_event_dump(ev);
    if (valid) {
        AT_FUZZ_CHECK(at_json_event_validate(ev, err, sizeof err) == 0,
                      "event of a valid item fails validation: %s", err);
        AT_FUZZ_CHECK(line != NULL, "event of a valid item does not dump");
    }
    free(line);
    at_enrich_event_free(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        LLVMFuzzerInitialize(NULL, NULL);
    if (size == 0)
        return 0;
    size_t which = (data[0] & 0x7f) % NFILES;
    int append = data[0] & 0x80;
    if (append)
        put(names[which], orig[which], orig_len[which], data + 1, size - 1);
    else
        put(names[which], data + 1, size - 1, NULL, 0);

    char err[512] = "";
    at_enrich_t *e = at_enrich_new(dir, err, sizeof err);
    if (!e) {
        /* "path:line: reason" for a data error; the matcher's only error
         * without a file is running out of memory, which cannot happen here. */
        AT_FUZZ_CHECK(strncmp(err, dir, strlen(dir)) == 0 && strchr(err + strlen(dir), ':'),
                      "error does not name a file: %s", err);
    } else {
        AT_FUZZ_CHECK(at_enrich_country_count(e) > 0, "no countries");
        AT_FUZZ_CHECK(strlen(at_enrich_data_version(e)) == 10, "version '%s'",
                      at_enrich_data_version(e));
        (void)at_enrich_alias_count(e);
        (void)at_enrich_actor_count(e);
        char *text = at_fuzz_strndup(data + 1, size - 1);
        static const int64_t when[] = {0, 946684800LL /* 2000-01-01 */,
                                       1733011200LL /* 2024-12-01 */, -62167219200LL,
                                       253402300799LL};
        for (size_t i = 0; i < sizeof when / sizeof when[0]; i++) {
            enrich_one(e, "Putin and Netanyahu meet in Budapest; MOSCOW, Kyiv and Mongolia react",
                       "BUDAPEST (Reuters) - Vladimir Putin met Benjamin Netanyahu, the Hungarian "
                       "and Russian leaders said, before flying to Ulaanbaatar.",
                       when[i]);
            enrich_one(e, "Fuzzed table", text, when[i]);
        }
        free(text);
        at_enrich_destroy(&e);
        AT_FUZZ_CHECK(e == NULL, "destroy did not null the pointer");
    }
    put(names[which], orig[which], orig_len[which], NULL, 0);
    return 0;
}
