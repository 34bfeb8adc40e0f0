/*
 * at_fuzz_util: the helpers declared in at_fuzz.h (files by path for the
 * decoders that read files, the reference data directory, the round-trip
 * check of news items), shared by every fuzz target in both the libFuzzer
 * and the replay build.
 */
#include "at_fuzz.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attache/v1/attache.pb-c.h"

#ifndef AT_FUZZ_DEFAULT_DATA_DIR
#define AT_FUZZ_DEFAULT_DATA_DIR "data"
#endif

struct at_fuzz_file {
    int fd;
    char path[512];
    int unlink_at_exit;
    at_fuzz_file_t *next;
};

static at_fuzz_file_t *files;

static void remove_files(void)
{
    for (at_fuzz_file_t *f = files; f; f = f->next) {
        if (f->unlink_at_exit)
            unlink(f->path);
    }
}

at_fuzz_file_t *at_fuzz_file_new(const char *name)
{
    at_fuzz_file_t *f = calloc(1, sizeof *f);
    AT_FUZZ_CHECK(f != NULL, "out of memory");
    f->fd = memfd_create(name, MFD_CLOEXEC);
    /* A memfd is only usable by path if /proc is mounted. */
    if (f->fd >= 0) {
        snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
        struct stat st;
        if (stat(f->path, &st) != 0) {
            close(f->fd);
            f->fd = -1;
        }
    }
    if (f->fd < 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(f->path, sizeof f->path, "%s/attache-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp",
                 name);
        f->fd = mkstemp(f->path);
        AT_FUZZ_CHECK(f->fd >= 0, "mkstemp %s: %s", f->path, strerror(errno));
        if (!files)
            atexit(remove_files);
        f->unlink_at_exit = 1;
    }
    f->next = files;
    files = f;
    return f;
}

void at_fuzz_file_set(at_fuzz_file_t *f, const uint8_t *data, size_t size)
{
    AT_FUZZ_CHECK(ftruncate(f->fd, 0) == 0, "ftruncate: %s", strerror(errno));
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(f->fd, data + done, size - done, (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        AT_FUZZ_CHECK(w > 0, "pwrite %s: %s", f->path, strerror(errno));
        done += (size_t)w;
    }
}

const char *at_fuzz_file_path(const at_fuzz_file_t *f)
{
    return f->path;
}

const char *at_fuzz_data_dir(void)
{
    const char *d = getenv("ATTACHE_DATA_DIR");
    return d && *d ? d : AT_FUZZ_DEFAULT_DATA_DIR;
}

char *at_fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    AT_FUZZ_CHECK(s != NULL, "out of memory (%zu bytes)", size + 1);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int at_fuzz_same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static int same_list(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (!at_fuzz_same_str(a[i], b[i]))
            return 0;
    return 1;
}

void at_fuzz_check_same_item(const Attache__V1__NewsItem *a, const Attache__V1__NewsItem *b,
                             const char *what)
{
    AT_FUZZ_CHECK(at_fuzz_same_str(a->id, b->id), "%s: id '%s' != '%s'", what, a->id, b->id);
    AT_FUZZ_CHECK(at_fuzz_same_str(a->url, b->url), "%s: url differs", what);
    AT_FUZZ_CHECK(at_fuzz_same_str(a->title, b->title), "%s: title differs", what);
    AT_FUZZ_CHECK(at_fuzz_same_str(a->body, b->body), "%s: body differs", what);
    AT_FUZZ_CHECK(at_fuzz_same_str(a->summary, b->summary), "%s: summary differs", what);
    AT_FUZZ_CHECK(at_fuzz_same_str(a->source, b->source), "%s: source differs", what);
    AT_FUZZ_CHECK(at_fuzz_same_str(a->language, b->language), "%s: language differs", what);
    AT_FUZZ_CHECK(at_fuzz_same_str(a->guid, b->guid), "%s: guid differs", what);
    AT_FUZZ_CHECK(a->published == b->published, "%s: published %lld != %lld", what,
                  (long long)a->published, (long long)b->published);
    AT_FUZZ_CHECK(a->fetched == b->fetched, "%s: fetched differs", what);
    AT_FUZZ_CHECK(same_list(a->authors, a->n_authors, b->authors, b->n_authors),
                  "%s: authors differ", what);
    AT_FUZZ_CHECK(same_list(a->categories, a->n_categories, b->categories, b->n_categories),
                  "%s: categories differ", what);
    AT_FUZZ_CHECK(same_list(a->enclosures, a->n_enclosures, b->enclosures, b->n_enclosures),
                  "%s: enclosures differ", what);
}
