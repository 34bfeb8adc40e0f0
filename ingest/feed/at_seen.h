/*
 * at_seen: attache-ingest's persistent memory (SQLite, one file).
 *
 *  - item ids already emitted, with the time first seen, kept for a
 *    retention window, so a restart re-emits nothing already sent;
 *  - normalized titles per source per UTC day, which catches the same
 *    story behind several URLs (Media Cloud's rule);
 *  - per-feed polling state (ETag, Last-Modified, last success/error,
 *    error count, HTTP status, counters, next poll), so conditional GETs
 *    and backoff survive restarts, and `attache feeds status` can print it.
 *
 * One writer (the ingest process) in normal operation; WAL mode so
 * `attache feeds status` can read while the daemon runs, and so two
 * handles (two processes, or two threads with one handle each) can record
 * into one file safely: check-and-add is atomic across them. Schema,
 * retention and the title rule: docs/feeds-store.md.
 *
 * A handle is not thread-safe: one thread uses it at a time.
 */
#ifndef AT_SEEN_H
#define AT_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct at_seen at_seen_t;

/* Buffer size that holds any title key at_seen_title_key writes: longer
 * titles are cut (at a UTF-8 boundary). A key is a dedup key, not text to
 * show, and two titles that agree on their first 255 bytes are the same
 * story. */
#define AT_SEEN_TITLE_KEY_MAX 256

/* How long a handle waits for another handle's write lock before an
 * operation fails with "database is locked". */
#define AT_SEEN_BUSY_TIMEOUT_MS 5000

/* The state of one feed, as persisted. Strings are owned by the struct
 * (use at_feedstate_clear to free them). Times are Unix seconds, 0 = never. */
typedef struct {
    char *url;           /* the feed URL as configured (primary key) */
    char *etag;          /* last ETag received, or NULL */
    char *last_modified; /* last Last-Modified received (verbatim), or NULL */
    int64_t last_success, last_error, next_poll;
    char *last_error_text; /* one line, or NULL */
    int http_status;       /* of the last response; 0 = transport error */
    int error_count;       /* consecutive errors (drives backoff); 0 after success */
    uint64_t items_new, items_duplicate, bytes; /* running totals */
} at_feedstate_t;

/* Why the last at_seen_check_and_add call returned 0. */
typedef enum {
    AT_SEEN_NEW = 0,       /* it returned 1 (or -1) */
    AT_SEEN_DUP_ID = 1,    /* the item id was already recorded */
    AT_SEEN_DUP_TITLE = 2, /* a new id, but (source, title key, day) was recorded */
} at_seen_dup_t;

/* Free the strings of st and zero it. NULL-safe. */
void at_feedstate_clear(at_feedstate_t *st);

/* Open or create the store at path (the file and its -wal/-shm beside
 * it). A new file gets the current schema; an older schema is upgraded; a
 * file that is not SQLite, belongs to another application, or comes from
 * a newer attache is refused with a reason, and never modified. Caller
 * owns the result and must close it with at_seen_close. NULL with a
 * reason in err (errlen bytes; err may be NULL). */
at_seen_t *at_seen_open(const char *path, char *err, size_t errlen);

/* Open an existing store read-only, for `attache feeds status` while the
 * daemon runs: never creates or upgrades anything, and every write fails.
 * Caller owns the result and must close it with at_seen_close. NULL with
 * a reason in err (e.g. the file does not exist). */
at_seen_t *at_seen_open_readonly(const char *path, char *err, size_t errlen);

/* Close the store and set *self_p to NULL. A batch still open (see
 * at_seen_begin) is rolled back, not committed. NULL-safe. */
void at_seen_close(at_seen_t **self_p);

/* Atomically check-and-record an item. Returns 1 if it is new (now
 * recorded), 0 if its id or (source, normalized title, day of `published`
 * or `now`) was already recorded, -1 on a storage error (err set).
 * `title_key` is the normalized title (may be NULL/"" to skip the title
 * rule); `source` may be "" (items without a source share one title
 * namespace). `day_time` is the item's published time (Unix seconds; 0 =
 * unknown, then `now` gives the day); `now` is stored as first seen and is
 * what at_seen_prune compares.
 *
 * When the id is new but the title is not, the id is still recorded (it
 * is a duplicate story, and will stay one). The call is one transaction
 * (or part of the caller's batch), so a crash never leaves an id recorded
 * without its title, and two handles racing on the same story return 1
 * to exactly one of them. Inside a batch, a failed call is undone; if
 * even that fails, or SQLite rolled the batch back by itself (disk full,
 * I/O error), every further call and at_seen_commit fail and the batch
 * must be rolled back. id must be non-empty. */
int at_seen_check_and_add(at_seen_t *self, const char *id, const char *source,
                          const char *title_key, int64_t day_time, int64_t now, char *err,
                          size_t errlen);

/* Which rule made the last at_seen_check_and_add return 0 (for metrics
 * and debug logs). */
at_seen_dup_t at_seen_last_dup(const at_seen_t *self);

/* Forget ids and titles first seen before `cutoff` (Unix seconds), in
 * chunks of short transactions so a concurrent writer or reader is never
 * blocked for long. Returns the number of rows removed, or -1. Freed pages
 * are reused; the file does not shrink. */
long at_seen_prune(at_seen_t *self, int64_t cutoff);

/* Number of ids and of titles recorded (either pointer may be NULL).
 * 0 or -1. */
int at_seen_count(at_seen_t *self, int64_t *items, int64_t *titles);

/* Load a feed's state (zeroed with url set if unknown). *out is
 * overwritten, not freed first: clear it before reusing it. Caller owns
 * the strings in *out and must free them with at_feedstate_clear. 0 or -1
 * (then *out is zeroed). */
int at_seen_feed_load(at_seen_t *self, const char *url, at_feedstate_t *out);

/* Insert or replace a feed's state (st->url must be non-empty). 0 or -1. */
int at_seen_feed_save(at_seen_t *self, const at_feedstate_t *st);

/* Call fn for every feed's state, ordered by url. The state points into
 * SQLite's buffers and is valid only during the call (copy what you keep);
 * fn must not write to the store. Stops at and returns fn's first non-zero
 * result; 0 when all were visited; -1 on a storage error before that. */
int at_seen_feed_each(at_seen_t *self, int (*fn)(void *arg, const at_feedstate_t *st), void *arg);

/* Batching: wrap many check_and_add (and feed_save) calls in one write
 * transaction, which is much faster than one transaction per call (see
 * docs/feeds-store.md). While the batch is open other handles wait to
 * write, so keep it short (one poll's items). For at-least-once delivery,
 * commit only once the items the batch accepted have been handed to the
 * next hop, and roll back if that failed: they are then new again on the
 * next poll. Each returns 0 or -1 (at_seen_errmsg says why). */
int at_seen_begin(at_seen_t *self);
int at_seen_commit(at_seen_t *self);
int at_seen_rollback(at_seen_t *self);

/* The reason for the last failure on this handle (one line), or "" if
 * none yet. Valid until the next call on the handle. */
const char *at_seen_errmsg(const at_seen_t *self);

/* Normalize a title into the key the title rule compares: ASCII letters
 * lowercased; ASCII punctuation and symbols turned into word breaks,
 * except apostrophes (' ` and U+2018/U+2019), which are dropped so
 * "Putin's" and "Putin’s" and "Putins" agree; runs of whitespace (ASCII,
 * and U+00A0 no-break space) collapsed to one space; leading and trailing
 * space trimmed. Other non-ASCII bytes are kept as they are (no Unicode
 * case folding: a title that differs only in non-ASCII case is a
 * different key, which errs on the side of emitting). Writes a
 * NUL-terminated key of at most outlen - 1 bytes (cut at a UTF-8
 * boundary; use AT_SEEN_TITLE_KEY_MAX) and returns its length; 0 means
 * the title has nothing to compare (skip the title rule). title may be
 * NULL. */
size_t at_seen_title_key(const char *title, char *out, size_t outlen);

#endif
