/*
 * at_spool: a spool directory as an input of attache-ingest. Producers
 * drop files of news items into it; each file is read, handed to the
 * caller record by record, and moved aside, into done/ once read or
 * failed/ when it could not be used.
 *
 * Producer protocol (the Maildir one): write the file under a name that
 * starts with '.' (or anywhere else on the same file system), close it,
 * then rename(2) it into the spool directory under its final name. The
 * rename is atomic, so attache never sees half a file. Only regular files
 * named *.json or *.ninjs (one JSON object: an attache item or a ninjs
 * item; see at_ninjs_parse_any) or *.jsonl or *.ndjson (one JSON object
 * per line) are taken; dotfiles, other names and subdirectories are left
 * alone. As a second line of defence, a file that some process still has
 * open for writing is passed over until it is closed (a read lease cannot
 * be taken on it; Linux, and only for files we may lease).
 *
 * Files are taken in byte order of their names within each scan of the
 * directory (name them by time to get them in order). inotify wakes the
 * reader as soon as a file is renamed in or closed after writing; a full
 * rescan runs every rescan_ms anyway, for file systems where inotify
 * misses changes (NFS) or when it is unavailable. One attache process per
 * spool directory (enforced with a lock on <dir>/.attache-spool.lock).
 * Details: docs/feeds-store.md "Spool directory".
 *
 * Not thread-safe: one thread owns a spool.
 */
#ifndef AT_SPOOL_H
#define AT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct at_spool at_spool_t;

#define AT_SPOOL_DEFAULT_RESCAN_MS   5000
#define AT_SPOOL_DEFAULT_MAX_FILES   64   /* files queued per directory scan */
#define AT_SPOOL_DEFAULT_MAX_RECORDS 1000 /* records delivered per at_spool_process */

/* Knobs; zero fields take the defaults. */
typedef struct {
    size_t max_record;    /* bytes of one line or one whole-file object
                             (default AT_JSON_MAX_LINE, 8 MiB) */
    int rescan_ms;        /* full rescan interval (default AT_SPOOL_DEFAULT_RESCAN_MS) */
    unsigned max_files;   /* see AT_SPOOL_DEFAULT_MAX_FILES */
    unsigned max_records; /* see AT_SPOOL_DEFAULT_MAX_RECORDS */
} at_spool_opts_t;

/* One record handed to the caller. Everything points into the spool and
 * is valid only during the callback. */
typedef struct {
    const char *file;   /* the file's name in the spool directory */
    unsigned long line; /* 1-based line of a JSON-lines file; 0 for a whole file */
    const char *data;   /* the record's bytes, not NUL-terminated */
    size_t len;
    /* NULL for a record. Otherwise the spool could not deliver this part
     * of the file, and says why in one line: "line too long (limit N
     * bytes)" (data holds the line's first N bytes), "file too large",
     * "empty file", "read error: ...", "not a regular file". The callback
     * logs and counts it like a rejected record. */
    const char *error;
} at_spool_record_t;

/* What the callback says about a record. */
enum {
    AT_SPOOL_ACCEPT = 0, /* taken (or dropped on purpose) */
    AT_SPOOL_REJECT = 1, /* unusable (the callback logged and dead-lettered it) */
    AT_SPOOL_STOP = -1,  /* cannot take it now: stop, leave the file where it is, and read
                            it again from its start after the next rescan (shutdown,
                            downstream unavailable); dedup drops what was already taken */
};

/* Called for every record and every undeliverable part of a file. */
typedef int (*at_spool_fn)(void *arg, const at_spool_record_t *rec);

/* Running totals since at_spool_new. */
typedef struct {
    uint64_t files_done;       /* moved to done/ */
    uint64_t files_failed;     /* moved to failed/ */
    uint64_t records;          /* handed to the callback (errors included) */
    uint64_t records_rejected; /* REJECT verdicts and error records */
    uint64_t busy_skips;       /* times a file was passed over: still open for writing */
    uint64_t move_errors;      /* files that could not be moved aside (left in place,
                                  never read again by this process) */
} at_spool_stats_t;

/* Watch the existing directory `dir`, creating dir/done and dir/failed
 * when missing and taking the directory's lock. opts may be NULL. Caller
 * owns the result and must destroy it with at_spool_destroy. NULL with a
 * reason in err (missing directory, no permission, locked by another
 * process). */
at_spool_t *at_spool_new(const char *dir, const at_spool_opts_t *opts, char *err, size_t errlen);

/* Release the lock and free everything; set *self_p to NULL. A file being
 * read stays in the spool and is read again from its start next time.
 * NULL-safe. */
void at_spool_destroy(at_spool_t **self_p);

/* A descriptor that polls readable (POLLIN) when files may have arrived:
 * add it to the daemon's poll set and call at_spool_process when it is
 * readable or at_spool_timeout_ms has passed. -1 when inotify is
 * unavailable (then the timeout alone drives the spool). */
int at_spool_fd(const at_spool_t *self);

/* Milliseconds until at_spool_process has work at the latest: 0 when a
 * file is queued or half read, else the time to the next rescan. */
long at_spool_timeout_ms(const at_spool_t *self);

/* Do the work that is due: take inotify events, rescan the directory when
 * something arrived or the rescan time came, and read queued files,
 * calling fn(arg, rec) for each record, up to max_records records per
 * call (a big file is read over several calls, so the daemon's other
 * inputs are not starved). A file is moved to done/ when it has been read
 * through, to failed/ when it could not be read, was too large or empty,
 * or none of its records was accepted while some were rejected; a
 * JSON-lines file with some rejected lines still goes to done/ (the
 * rejected lines are the callback's to dead-letter). Returns the number
 * of files moved aside (0 when there was nothing to do), or -1 with a
 * reason in err when the spool directory itself failed (removed,
 * unreadable); then the spool should be destroyed. */
int at_spool_process(at_spool_t *self, at_spool_fn fn, void *arg, char *err, size_t errlen);

/* Copy the running totals into out. */
void at_spool_stats(const at_spool_t *self, at_spool_stats_t *out);

#endif
