/*
 * at_sinkspec: the output specs of attache-sink and `attache run --output`.
 *
 *   SPEC    := [ "[" OPTION { "," OPTION } "]" ] TARGET
 *   OPTION  := key "=" value          (a key may repeat: values are OR'ed)
 *   TARGET  := "-"                    stdout, JSON lines
 *            | "jsonl:" PATH | PATH   JSON-lines file (a bare path is jsonl)
 *            | "sqlite:" PATH         SQLite database (docs/sqlite.md)
 *            | "zmq+tcp://..." | "zmq+ipc://..."   PUB with topics (docs/sinks.md)
 *            | "webhook:" URL         HTTP POST of each event's JSON
 *            | "postgres:" CONNINFO   PostgreSQL (docs/postgres.md)
 *            | "kafka://" BROKERS "/" TOPIC   records on a Kafka topic (at_kafkasink.h)
 *
 * Options are in front of the target, so a target may carry its own query
 * string or commas (a webhook URL, a Kafka broker list) untouched:
 *
 *   [severity=critical,retries=5,dead_letter=/var/lib/attache/hook.dl]webhook:https://h/x
 *   [rotate_bytes=100M,fsync=always]jsonl:/var/lib/attache/events.jsonl
 *   [country=KAZ,country=MNG]sqlite:/var/lib/attache/central-asia.db
 *
 * Every output accepts: queue=N (bounded queue, default 1000),
 * on_full=block|drop, and the filters of at_filter.h (rule, severity,
 * country, actor). The rest are the backend's (docs/sinks.md). Unknown
 * options, schemes and bad values are errors that name the spec.
 */
#ifndef AT_SINKSPEC_H
#define AT_SINKSPEC_H

#include <stddef.h>

#include "at_filter.h"
#include "at_sinkq.h"

struct at_config;

#define AT_SINKSPEC_DEFAULT_QUEUE 1000

typedef enum { AT_ONFULL_BLOCK, AT_ONFULL_DROP } at_onfull_t;

typedef struct {
    char *key, *value;
} at_sinkopt_t;

typedef struct at_sinkspec {
    char *name;   /* "output", or the name of sink.outputs.<name> */
    char *text;   /* the spec as given */
    char *shown;  /* the same with passwords replaced by *** (for logs and errors) */
    char *target; /* what follows "scheme:" ("-" for stdout; full URI for zmq) */
    const at_sinkbe_t *be;
    at_sinkopt_t *opts;
    size_t nopts;
    at_filter_t *filter;
    size_t queue;
    at_onfull_t on_full;
    long long flush_ms;    /* sink.flush_interval_ms, the default commit interval */
    const char *component; /* "attache-sink", for dead-letter records */
    /* The daemon's config, set by at_sink around the output's open() and
     * NULL otherwise (a SIGHUP replaces it): a backend that needs keys of
     * it later copies them in open() (kafka:// copies the kafka.* keys). */
    const struct at_config *cfg;
} at_sinkspec_t;

/* Parse text (see above) for output `name`. flush_ms is the daemon's
 * default commit interval. NULL with a reason naming the spec in err.
 * Caller owns the result and must destroy it. The backend's check is run
 * too, so an unwritable path is reported here. */
/* A copy of a spec (or conninfo, or URL) safe to log: the value of every
 * libpq `password=` and the password of URI user info (user:SECRET@) are
 * replaced by ***. Caller frees; NULL on allocation failure. */
char *at_sinkspec_redact(const char *text);

at_sinkspec_t *at_sinkspec_parse(const char *name, const char *text, long long flush_ms, char *err,
                                 size_t errlen);

void at_sinkspec_destroy(at_sinkspec_t **self_p);

/* The last value of option key, or def. */
const char *at_sinkspec_opt(const at_sinkspec_t *self, const char *key, const char *def);

/* Option key as an integer in [min, max]; accepts K/M/G (x1024) suffixes
 * when `sizes`, and ms/s/m/h suffixes (result in ms) when `durations_ms`.
 * Returns 0 (def when absent), or -1 with err. */
int at_sinkspec_opt_int(const at_sinkspec_t *self, const char *key, long long def, long long min,
                        long long max, int suffixes, long long *out, char *err, size_t errlen);
#define AT_SFX_NONE 0
#define AT_SFX_SIZE 1
#define AT_SFX_MS   2

/* Parse a number with a suffix (see at_sinkspec_opt_int). 0 or -1. */
int at_sinkspec_number(const char *s, int suffixes, long long *out);

/* Probe that path could be created or appended to (its directory exists
 * and is writable, or the file is). 0, or -1 with "PATH: reason". */
int at_sinkspec_check_writable(const char *what, const char *path, char *err, size_t errlen);

#endif
