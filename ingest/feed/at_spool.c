/*
 * at_spool.c: the spool directory input (protocol and rules in at_spool.h
 * and docs/feeds-store.md).
 *
 * Decisions worth knowing:
 *   - Everything is relative to one directory descriptor (openat,
 *     fstatat, renameat2), so a spool path that is renamed or replaced
 *     under us cannot make us read or move files elsewhere; files are
 *     opened with O_NOFOLLOW and must be regular files.
 *   - "Complete" is the producer's rename, plus a read-lease probe: Linux
 *     refuses F_RDLCK (EAGAIN) while any process has the file open for
 *     writing, which catches producers that write in place. The lease is
 *     dropped at once (holding it would make the writer's open wait and us
 *     get SIGIO). Where leases are not allowed (someone else's file without
 *     CAP_LEASE, some file systems) the probe says nothing and the file is
 *     taken.
 *   - A directory scan keeps only the max_files smallest names (a bounded
 *     sorted insert), so a spool with a million files costs a readdir, not
 *     a million-entry array; the rest wait for the next scan.
 *   - Moves use renameat2(RENAME_NOREPLACE) so a second file of the same
 *     name never overwrites an earlier one in done/ (it gets ".1", ".2",
 *     ... appended). A file that cannot be moved at all is remembered by
 *     name and inode and never read again by this process, rather than
 *     re-delivered on every scan.
 *   - JSON lines are read with at_linereader, so memory is bounded by
 *     max_record whatever the file holds; a whole-file object is read into
 *     one buffer of at most max_record bytes.
 */
#include "at_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "at_err.h"
#include "at_json.h"
#include "at_linereader.h"
#include "at_log.h"

#define LOCK_NAME   ".attache-spool.lock"
#define MAX_STUCK   1024 /* files we could not move, remembered to skip */
#define MAX_SUFFIX  1000 /* name.1 .. name.999 tried in done/ and failed/ */
#define ERROR_QUOTE 256  /* bytes of an oversized whole file shown to the callback */

typedef enum { KIND_NONE, KIND_WHOLE, KIND_LINES } kind_t;

typedef struct {
    char *name;
    dev_t dev;
    ino_t ino;
} stuck_t;

struct at_spool {
    char *dir;
    int dirfd, donefd, failedfd, lockfd, ifd;
    at_spool_opts_t opts;

    /* The current scan's queue: the smallest names, sorted. */
    char **queue;
    size_t qlen, qpos;
    bool more;    /* the scan saw more files than it queued */
    bool dirty;   /* inotify said something arrived */
    bool scanned; /* at least one scan done */
    int64_t next_scan_ms;

    /* The file being read. */
    struct {
        bool open;
        char *name;
        int fd;
        kind_t kind;
        at_linereader_t *lr;
        unsigned long line;
        uint64_t accepted, rejected;
    } cur;

    stuck_t stuck[MAX_STUCK];
    size_t n_stuck;
    at_spool_stats_t stats;
};

/* --- small helpers ------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static kind_t kind_of(const char *name)
{
    if (name[0] == '.')
        return KIND_NONE;
    const char *ext = strrchr(name, '.');
    if (!ext)
        return KIND_NONE;
    if (strcmp(ext, ".json") == 0 || strcmp(ext, ".ninjs") == 0)
        return KIND_WHOLE;
    if (strcmp(ext, ".jsonl") == 0 || strcmp(ext, ".ndjson") == 0)
        return KIND_LINES;
    return KIND_NONE;
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != '\v')
            return false;
    }
    return true;
}

/* Open (creating if needed) a subdirectory of the spool. */
static int open_subdir(int dirfd, const char *name)
{
    if (mkdirat(dirfd, name, 0750) != 0 && errno != EEXIST)
        return -1;
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* --- lifecycle ----------------------------------------------------------- */

at_spool_t *at_spool_new(const char *dir, const at_spool_opts_t *opts, char *err, size_t errlen)
{
    if (!dir || !dir[0]) {
        at_err_set(err, errlen, "empty spool directory path");
        return NULL;
    }
    at_spool_t *self = calloc(1, sizeof *self);
    if (!self) {
        at_err_set(err, errlen, "out of memory");
        return NULL;
    }
    self->dirfd = self->donefd = self->failedfd = self->lockfd = self->ifd = self->cur.fd = -1;
    if (opts)
        self->opts = *opts;
    if (!self->opts.max_record)
        self->opts.max_record = AT_JSON_MAX_LINE;
    if (self->opts.rescan_ms <= 0)
        self->opts.rescan_ms = AT_SPOOL_DEFAULT_RESCAN_MS;
    if (!self->opts.max_files)
        self->opts.max_files = AT_SPOOL_DEFAULT_MAX_FILES;
    if (!self->opts.max_records)
        self->opts.max_records = AT_SPOOL_DEFAULT_MAX_RECORDS;

    self->dir = strdup(dir);
    self->queue = calloc(self->opts.max_files, sizeof *self->queue);
    if (!self->dir || !self->queue) {
        at_err_set(err, errlen, "out of memory");
        goto fail;
    }
    self->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (self->dirfd < 0) {
        at_err_set(err, errlen, "spool directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    /* One reader per spool: two would deliver every file twice. */
    self->lockfd = openat(self->dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (self->lockfd < 0) {
        at_err_set(err, errlen, "spool directory %s: cannot create %s: %s", dir, LOCK_NAME,
                   strerror(errno));
        goto fail;
    }
    if (flock(self->lockfd, LOCK_EX | LOCK_NB) != 0) {
        at_err_set(err, errlen, "spool directory %s: %s", dir,
                   errno == EWOULDBLOCK ? "in use by another process" : strerror(errno));
        goto fail;
    }
    self->donefd = open_subdir(self->dirfd, "done");
    self->failedfd = open_subdir(self->dirfd, "failed");
    if (self->donefd < 0 || self->failedfd < 0) {
        at_err_set(err, errlen, "spool directory %s: cannot open done/ or failed/: %s", dir,
                   strerror(errno));
        goto fail;
    }
    self->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (self->ifd >= 0 && inotify_add_watch(self->ifd, dir,
                                            IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |
                                                IN_MOVE_SELF | IN_ONLYDIR) < 0) {
        close(self->ifd);
        self->ifd = -1;
    }
    if (self->ifd < 0)
        at_log_warn("spool %s: inotify unavailable (%s); rescanning every %d ms", dir,
                    strerror(errno), self->opts.rescan_ms);
    return self;
fail:
    at_spool_destroy(&self);
    return NULL;
}

static void close_current(at_spool_t *self)
{
    at_linereader_destroy(&self->cur.lr);
    if (self->cur.fd >= 0)
        close(self->cur.fd);
    free(self->cur.name);
    memset(&self->cur, 0, sizeof self->cur);
    self->cur.fd = -1;
}

static void clear_queue(at_spool_t *self)
{
    for (size_t i = self->qpos; i < self->qlen; i++)
        free(self->queue[i]);
    self->qlen = self->qpos = 0;
}

void at_spool_destroy(at_spool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_spool_t *self = *self_p;
    close_current(self);
    if (self->queue)
        clear_queue(self);
    free(self->queue);
    for (size_t i = 0; i < self->n_stuck; i++)
        free(self->stuck[i].name);
    int fds[] = {self->dirfd, self->donefd, self->failedfd, self->lockfd, self->ifd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (fds[i] >= 0)
            close(fds[i]); /* closing the lock fd releases the flock */
    }
    free(self->dir);
    free(self);
    *self_p = NULL;
}

int at_spool_fd(const at_spool_t *self)
{
    return self ? self->ifd : -1;
}

long at_spool_timeout_ms(const at_spool_t *self)
{
    if (!self)
        return -1;
    if (self->cur.open || self->qpos < self->qlen || self->dirty || self->more || !self->scanned)
        return 0;
    int64_t left = self->next_scan_ms - now_ms();
    return left > 0 ? (long)left : 0;
}

void at_spool_stats(const at_spool_t *self, at_spool_stats_t *out)
{
    if (out)
        *out = self ? self->stats : (at_spool_stats_t){0};
}

/* --- stuck files --------------------------------------------------------- */

/* True if name is a file we failed to move and it is still the same file;
 * forgets entries whose file is gone or was replaced. */
static bool is_stuck(at_spool_t *self, const char *name)
{
    for (size_t i = 0; i < self->n_stuck; i++) {
        if (strcmp(self->stuck[i].name, name) != 0)
            continue;
        struct stat st;
        if (fstatat(self->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            st.st_dev == self->stuck[i].dev && st.st_ino == self->stuck[i].ino)
            return true;
        free(self->stuck[i].name);
        self->stuck[i] = self->stuck[--self->n_stuck];
        return false;
    }
    return false;
}

static void remember_stuck(at_spool_t *self, const char *name)
{
    struct stat st;
    if (self->n_stuck >= MAX_STUCK || fstatat(self->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    char *d = strdup(name);
    if (!d)
        return;
    self->stuck[self->n_stuck++] = (stuck_t){d, st.st_dev, st.st_ino};
}

/* --- scanning ------------------------------------------------------------ */

/* Insert name into the sorted, bounded queue (which is empty-headed:
 * qpos == 0 during a scan). Returns false when out of memory. */
static bool queue_insert(at_spool_t *self, const char *name)
{
    size_t cap = self->opts.max_files;
    if (self->qlen == cap) {
        if (strcmp(name, self->queue[cap - 1]) >= 0) {
            self->more = true;
            return true;
        }
        free(self->queue[--self->qlen]); /* the largest gives way */
        self->more = true;
    }
    char *d = strdup(name);
    if (!d)
        return false;
    size_t i = self->qlen;
    while (i > 0 && strcmp(self->queue[i - 1], d) > 0) {
        self->queue[i] = self->queue[i - 1];
        i--;
    }
    self->queue[i] = d;
    self->qlen++;
    return true;
}

static int scan(at_spool_t *self, char *err, size_t errlen)
{
    clear_queue(self);
    self->more = false;
    self->dirty = false;
    self->scanned = true;
    self->next_scan_ms = now_ms() + self->opts.rescan_ms;

    struct stat st;
    if (fstat(self->dirfd, &st) != 0 || st.st_nlink == 0) {
        at_err_set(err, errlen, "spool directory %s was removed", self->dir);
        return -1;
    }
    int fd = openat(self->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        at_err_set(err, errlen, "spool directory %s: %s", self->dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_type == DT_DIR || kind_of(e->d_name) == KIND_NONE)
            continue;
        if (self->n_stuck && is_stuck(self, e->d_name))
            continue;
        if (!queue_insert(self, e->d_name)) {
            self->more = true; /* out of memory: try again next scan */
            break;
        }
    }
    closedir(d);
    return 0;
}

/* Take pending inotify events. -1 when the directory itself went away. */
static int drain_events(at_spool_t *self, char *err, size_t errlen)
{
    if (self->ifd < 0)
        return 0;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool gone = false;
    for (;;) {
        ssize_t n = read(self->ifd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EAGAIN: drained */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->mask & IN_Q_OVERFLOW)
                self->dirty = true;
            if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT))
                gone = true;
            /* Dotfiles are producers' work in progress; only a final name
             * appearing matters. */
            if ((ev->mask & (IN_MOVED_TO | IN_CLOSE_WRITE)) && ev->len > 0 && ev->name[0] != '.')
                self->dirty = true;
            p += sizeof *ev + ev->len;
        }
    }
    if (gone) {
        at_err_set(err, errlen, "spool directory %s was removed or moved", self->dir);
        return -1;
    }
    return 0;
}

/* --- moving aside -------------------------------------------------------- */

/* rename without replacing: RENAME_NOREPLACE, or where the file system
 * lacks it (EINVAL), a check then a plain rename (racy only against
 * someone else writing into done/). */
static int rename_noreplace(int fromfd, const char *from, int tofd, const char *to)
{
    if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL)
        return -1;
    if (faccessat(tofd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return renameat(fromfd, from, tofd, to);
}

/* Move name into done/ or failed/, never over an existing file there. */
static void move_aside(at_spool_t *self, const char *name, bool failed)
{
    int to = failed ? self->failedfd : self->donefd;
    char target[NAME_MAX + 16];
    snprintf(target, sizeof target, "%s", name);
    for (int i = 1; i <= MAX_SUFFIX; i++) {
        if (rename_noreplace(self->dirfd, name, to, target) == 0) {
            if (failed)
                self->stats.files_failed++;
            else
                self->stats.files_done++;
            return;
        }
        if (errno != EEXIST)
            break;
        snprintf(target, sizeof target, "%s.%d", name, i);
    }
    int e = errno;
    struct stat st;
    if (e == ENOENT && fstatat(self->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return; /* removed under us: nothing left to move */
    at_log_warn("spool %s: cannot move %s to %s/: %s; leaving it in place", self->dir, name,
                failed ? "failed" : "done", strerror(e));
    self->stats.move_errors++;
    remember_stuck(self, name);
}

/* --- reading ------------------------------------------------------------- */

/* Hand one record or error to the callback; returns its verdict. */
static int deliver(at_spool_t *self, at_spool_fn fn, void *arg, unsigned long line,
                   const char *data, size_t len, const char *error)
{
    at_spool_record_t rec = {
        .file = self->cur.name, .line = line, .data = data ? data : "", .len = len, .error = error};
    self->stats.records++;
    int v = fn(arg, &rec);
    if (v == AT_SPOOL_STOP)
        return v;
    if (error || v == AT_SPOOL_REJECT) {
        self->stats.records_rejected++;
        self->cur.rejected++;
    } else {
        self->cur.accepted++;
    }
    return v;
}

typedef enum { STEP_MOVED, STEP_STOP, STEP_YIELD, STEP_SKIPPED } step_t;

/* Finish the current file: move it where it belongs and close it. */
static step_t finish(at_spool_t *self, bool failed)
{
    move_aside(self, self->cur.name, failed);
    close_current(self);
    return STEP_MOVED;
}

/* Open the next queued file. STEP_SKIPPED when it is gone or still being
 * written; STEP_MOVED when it was unusable and went to failed/ at once;
 * STEP_YIELD when it is open and ready to read. */
static step_t open_file(at_spool_t *self, char *name, at_spool_fn fn, void *arg)
{
    self->cur.name = name; /* owned from here on */
    self->cur.kind = kind_of(name);
    self->cur.open = true;
    char why[128];
    struct stat st;
    if (fstatat(self->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        close_current(self); /* vanished since the scan */
        return STEP_SKIPPED;
    }
    if (!S_ISREG(st.st_mode)) {
        if (deliver(self, fn, arg, 0, NULL, 0, "not a regular file") == AT_SPOOL_STOP) {
            close_current(self);
            return STEP_STOP;
        }
        return finish(self, true);
    }
    self->cur.fd = openat(self->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (self->cur.fd < 0 || fstat(self->cur.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (self->cur.fd < 0 && errno == ENOENT) {
            close_current(self);
            return STEP_SKIPPED;
        }
        snprintf(why, sizeof why, "cannot open: %s",
                 self->cur.fd < 0 ? strerror(errno) : "not a regular file");
        if (deliver(self, fn, arg, 0, NULL, 0, why) == AT_SPOOL_STOP) {
            close_current(self);
            return STEP_STOP;
        }
        return finish(self, true);
    }
    /* Still open for writing somewhere? Then it is not complete. */
    if (fcntl(self->cur.fd, F_SETLEASE, F_RDLCK) == 0) {
        fcntl(self->cur.fd, F_SETLEASE, F_UNLCK);
    } else if (errno == EAGAIN) {
        self->stats.busy_skips++;
        close_current(self);
        return STEP_SKIPPED;
    }
    if (self->cur.kind == KIND_LINES) {
        self->cur.lr = at_linereader_new(self->cur.fd, self->opts.max_record);
        if (!self->cur.lr) {
            close_current(self);
            return STEP_SKIPPED; /* out of memory: the next scan retries */
        }
    }
    return STEP_YIELD;
}

/* Read a whole-file record (*.json, *.ninjs). */
static step_t read_whole(at_spool_t *self, at_spool_fn fn, void *arg)
{
    size_t max = self->opts.max_record;
    size_t cap = 65536 < max + 1 ? 65536 : max + 1, len = 0;
    char *buf = malloc(cap);
    const char *error = NULL;
    char why[128];
    while (buf) {
        if (len == cap) {
            if (cap == max + 1)
                break; /* more than max bytes: too large */
            size_t ncap = cap * 2 < max + 1 ? cap * 2 : max + 1;
            char *grown = realloc(buf, ncap);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap = ncap;
        }
        ssize_t n = read(self->cur.fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(why, sizeof why, "read error: %s", strerror(errno));
            error = why;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (!buf) {
        close_current(self); /* out of memory: leave it for the next scan */
        return STEP_SKIPPED;
    }
    if (!error && len > max) {
        snprintf(why, sizeof why, "file too large (limit %zu bytes)", max);
        error = why;
        len = ERROR_QUOTE < len ? ERROR_QUOTE : len;
    } else if (!error && is_blank(buf, len)) {
        error = "empty file";
    }
    int v = deliver(self, fn, arg, 0, buf, len, error);
    free(buf);
    if (v == AT_SPOOL_STOP) {
        close_current(self);
        return STEP_STOP;
    }
    return finish(self, error != NULL || v == AT_SPOOL_REJECT);
}

/* Read up to *budget lines of a JSON-lines file. */
static step_t read_lines(at_spool_t *self, at_spool_fn fn, void *arg, unsigned *budget)
{
    char why[128];
    while (*budget > 0) {
        const char *line;
        size_t len;
        at_lr_status_t st = at_linereader_next(self->cur.lr, &line, &len, 0);
        int v = AT_SPOOL_ACCEPT;
        switch (st) {
        case AT_LR_LINE:
            self->cur.line++;
            (*budget)--;
            if (is_blank(line, len))
                continue;
            v = deliver(self, fn, arg, self->cur.line, line, len, NULL);
            break;
        case AT_LR_TOOLONG:
            self->cur.line++;
            (*budget)--;
            snprintf(why, sizeof why, "line too long (limit %zu bytes)", self->opts.max_record);
            v = deliver(self, fn, arg, self->cur.line, line, len, why);
            break;
        case AT_LR_AGAIN:
            continue;
        case AT_LR_ERROR:
            snprintf(why, sizeof why, "read error: %s", strerror(errno));
            v = deliver(self, fn, arg, self->cur.line + 1, NULL, 0, why);
            if (v == AT_SPOOL_STOP)
                break;
            return finish(self, true);
        case AT_LR_EOF:
            /* Nothing taken and something refused: the file as a whole
             * is unusable (binary junk, the wrong format). */
            return finish(self, self->cur.accepted == 0 && self->cur.rejected > 0);
        }
        if (v == AT_SPOOL_STOP) {
            close_current(self);
            return STEP_STOP;
        }
    }
    return STEP_YIELD;
}

int at_spool_process(at_spool_t *self, at_spool_fn fn, void *arg, char *err, size_t errlen)
{
    if (!self || !fn) {
        at_err_set(err, errlen, "no spool or no callback");
        return -1;
    }
    if (drain_events(self, err, errlen) != 0)
        return -1;
    /* inotify reports a removed directory only once its inode is freed,
     * and our own descriptors keep it alive: ask the inode itself. */
    struct stat st;
    if (fstat(self->dirfd, &st) != 0 || st.st_nlink == 0) {
        at_err_set(err, errlen, "spool directory %s was removed", self->dir);
        return -1;
    }
    unsigned budget = self->opts.max_records;
    int moved = 0, moved_at_scan = -1;
    while (budget > 0) {
        step_t s;
        if (!self->cur.open) {
            if (self->qpos == self->qlen) {
                if (!(self->dirty || self->more || !self->scanned ||
                      now_ms() >= self->next_scan_ms))
                    break;
                /* Scan again in this call only after progress: a queue of
                 * files all still being written must not spin. */
                if (moved_at_scan == moved)
                    break;
                moved_at_scan = moved;
                if (scan(self, err, errlen) != 0)
                    return -1;
                if (self->qlen == 0)
                    break;
            }
            char *name = self->queue[self->qpos];
            self->queue[self->qpos++] = NULL;
            s = open_file(self, name, fn, arg);
            if (s == STEP_YIELD && self->cur.kind == KIND_WHOLE) {
                budget--;
                s = read_whole(self, fn, arg);
            }
        } else if (self->cur.kind == KIND_WHOLE) {
            budget--;
            s = read_whole(self, fn, arg);
        } else {
            s = read_lines(self, fn, arg, &budget);
        }
        if (s == STEP_MOVED) {
            moved++;
        } else if (s == STEP_STOP) {
            /* The caller cannot take more now: drop the queue and come
             * back at the next rescan (or sooner, on an inotify event). */
            clear_queue(self);
            self->more = false;
            self->next_scan_ms = now_ms() + self->opts.rescan_ms;
            break;
        }
    }
    /* Files the scan could not queue wait only when this round got
     * somewhere; otherwise (all busy) the rescan timer retries, instead of
     * a busy loop. */
    if (self->more && moved == 0 && !self->cur.open && self->qpos == self->qlen)
        self->more = false;
    return moved;
}
