/*
 * at_jsonl: JSON-lines files with rotation and an fsync policy. See
 * at_jsonl.h.
 */
#include "at_jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "at_daemon.h"
#include "at_log.h"
#include "at_sinkspec.h"

enum { FSYNC_ALWAYS, FSYNC_INTERVAL, FSYNC_NEVER };

typedef struct {
    char *path;
    int fd;
    int is_stdout, is_regular;
    int fsync_mode;
    long long rotate_bytes, rotate_ms;
    off_t good_size; /* end of the last committed batch */
    uint64_t opened_ms;
    char *buf;
    size_t len, cap;
} jsonl_t;

static int parse_fsync(const at_sinkspec_t *spec, int *mode, char *err, size_t errlen)
{
    const char *v = at_sinkspec_opt(spec, "fsync", "interval");
    if (strcmp(v, "always") == 0)
        *mode = FSYNC_ALWAYS;
    else if (strcmp(v, "interval") == 0)
        *mode = FSYNC_INTERVAL;
    else if (strcmp(v, "never") == 0)
        *mode = FSYNC_NEVER;
    else {
        snprintf(err, errlen, "fsync=%s: expected always, interval or never", v);
        return -1;
    }
    return 0;
}

static int parse_all(const at_sinkspec_t *spec, int *mode, long long *fsync_ms, long long *rb,
                     long long *rms, long long *batch, char *err, size_t errlen)
{
    if (parse_fsync(spec, mode, err, errlen) < 0 ||
        at_sinkspec_opt_int(spec, "fsync_ms", spec->flush_ms, 0, 86400000, AT_SFX_MS, fsync_ms, err,
                            errlen) < 0 ||
        at_sinkspec_opt_int(spec, "rotate_bytes", 0, 0, 1LL << 50, AT_SFX_SIZE, rb, err, errlen) <
            0 ||
        at_sinkspec_opt_int(spec, "rotate_interval", 0, 0, 366LL * 86400000, AT_SFX_MS, rms, err,
                            errlen) < 0 ||
        at_sinkspec_opt_int(spec, "batch", 1000, 1, 1000000, AT_SFX_NONE, batch, err, errlen) < 0)
        return -1;
    if (*rb && *rb < 4096) {
        snprintf(err, errlen, "rotate_bytes=%lld: at least 4096", *rb);
        return -1;
    }
    if (*rms && *rms < 1000) {
        snprintf(err, errlen, "rotate_interval=%lldms: at least 1s", *rms);
        return -1;
    }
    return 0;
}

static int jsonl_check(const at_sinkspec_t *spec, char *err, size_t errlen)
{
    int mode;
    long long a, b, c, d;
    if (!*spec->target) {
        snprintf(err, errlen, "jsonl: needs a path (jsonl:/var/log/attache/events.jsonl)");
        return -1;
    }
    if (parse_all(spec, &mode, &a, &b, &c, &d, err, errlen) < 0)
        return -1;
    if (strcmp(spec->target, "-") == 0) {
        if (b || c) {
            snprintf(err, errlen, "stdout cannot be rotated");
            return -1;
        }
        return 0;
    }
    return at_sinkspec_check_writable("jsonl", spec->target, err, errlen);
}

static int open_file(jsonl_t *self, char *err, size_t errlen)
{
    int fd = open(self->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", self->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    self->fd = fd;
    self->is_regular = S_ISREG(st.st_mode);
    self->good_size = self->is_regular ? st.st_size : 0;
    self->opened_ms = at_now_ms();
    return 0;
}

static void jsonl_close(void **h_p)
{
    jsonl_t *self = *h_p;
    if (!self)
        return;
    if (self->fd >= 0 && !self->is_stdout)
        close(self->fd);
    free(self->path);
    free(self->buf);
    free(self);
    *h_p = NULL;
}

static void *jsonl_open(const at_sinkspec_t *spec, at_sinkpolicy_t *pol, char *err, size_t errlen)
{
    jsonl_t *self = calloc(1, sizeof *self);
    long long fsync_ms, batch;
    if (!self || !(self->path = strdup(spec->target))) {
        snprintf(err, errlen, "out of memory");
        free(self);
        return NULL;
    }
    self->fd = -1;
    if (parse_all(spec, &self->fsync_mode, &fsync_ms, &self->rotate_bytes, &self->rotate_ms, &batch,
                  err, errlen) < 0)
        goto fail;
    pol->batch_max = (size_t)batch;
    pol->commit_ms = self->fsync_mode == FSYNC_INTERVAL ? fsync_ms : 0;
    if (strcmp(self->path, "-") == 0) {
        self->fd = STDOUT_FILENO;
        self->is_stdout = 1;
        return self;
    }
    if (open_file(self, err, errlen) < 0)
        goto fail;
    return self;
fail:;
    void *h = self;
    jsonl_close(&h);
    return NULL;
}

static int jsonl_write(void *h, const at_sinkitem_t *it, char *err, size_t errlen)
{
    jsonl_t *self = h;
    size_t need = self->len + it->json_len + 1;
    if (need > self->cap) {
        size_t cap = self->cap ? self->cap : 65536;
        while (cap < need)
            cap *= 2;
        char *nb = realloc(self->buf, cap);
        if (!nb) {
            snprintf(err, errlen, "out of memory buffering a batch");
            return -1;
        }
        self->buf = nb;
        self->cap = cap;
    }
    memcpy(self->buf + self->len, it->json, it->json_len);
    self->buf[self->len + it->json_len] = '\n';
    self->len = need;
    return 0;
}

static void jsonl_rollback(void *h)
{
    jsonl_t *self = h;
    self->len = 0;
}

/* Fsync the directory holding path (after a rename or create). */
static void fsync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

static void rotate(jsonl_t *self)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32], to[4200];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(to, sizeof to, "%s.%s", self->path, stamp);
    for (int n = 1; access(to, F_OK) == 0 && n < 1000; n++)
        snprintf(to, sizeof to, "%s.%s.%d", self->path, stamp, n);
    if (rename(self->path, to) != 0) {
        at_log_error("jsonl %s: cannot rotate to %s: %s; writing on", self->path, to,
                     strerror(errno));
        self->opened_ms = at_now_ms();
        return;
    }
    int old = self->fd;
    char err[512];
    if (open_file(self, err, sizeof err) < 0) {
        /* Keep appending to the renamed file rather than lose events. */
        at_log_error("jsonl: rotated to %s but cannot open a new file: %s", to, err);
        self->fd = old;
        return;
    }
    fsync_dir(self->path);
    close(old);
    at_log_info("jsonl %s: rotated to %s", self->path, to);
}

static int rotation_due(const jsonl_t *self)
{
    if (self->is_stdout || !self->is_regular || self->good_size == 0)
        return 0;
    if (self->rotate_bytes && self->good_size >= self->rotate_bytes)
        return 1;
    return self->rotate_ms && at_now_ms() - self->opened_ms >= (uint64_t)self->rotate_ms;
}

static int jsonl_commit(void *h, char *err, size_t errlen)
{
    jsonl_t *self = h;
    size_t off = 0;
    while (off < self->len) {
        ssize_t n = write(self->fd, self->buf + off, self->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            /* Cut the partial batch off so the retry leaves one copy. */
            if (self->is_regular && ftruncate(self->fd, self->good_size) != 0)
                at_log_error("jsonl %s: cannot truncate a partial batch: %s", self->path,
                             strerror(errno));
            snprintf(err, errlen, "write %s: %s", self->path, strerror(e));
            self->len = 0;
            return -1;
        }
        off += (size_t)n;
    }
    if (self->fsync_mode != FSYNC_NEVER && fsync(self->fd) != 0 && errno != EINVAL &&
        errno != EROFS) {
        int e = errno;
        if (self->is_regular && ftruncate(self->fd, self->good_size) != 0)
            at_log_error("jsonl %s: cannot truncate an unsynced batch: %s", self->path,
                         strerror(errno));
        snprintf(err, errlen, "fsync %s: %s", self->path, strerror(e));
        self->len = 0;
        return -1;
    }
    self->good_size += (off_t)self->len;
    self->len = 0;
    if (rotation_due(self))
        rotate(self);
    return 0;
}

static void jsonl_idle(void *h)
{
    jsonl_t *self = h;
    if (rotation_due(self))
        rotate(self);
}

static int jsonl_reopen(void *h, char *err, size_t errlen)
{
    jsonl_t *self = h;
    if (self->is_stdout)
        return 0;
    int old = self->fd;
    if (open_file(self, err, errlen) < 0) {
        self->fd = old;
        return -1;
    }
    close(old);
    return 0;
}

const at_sinkbe_t at_jsonl_backend = {
    "jsonl",      "jsonl:PATH",   1,          "fsync fsync_ms rotate_bytes rotate_interval batch",
    jsonl_check,  jsonl_open,     NULL,       jsonl_write,
    jsonl_commit, jsonl_rollback, jsonl_idle, jsonl_reopen,
    jsonl_close,
};
