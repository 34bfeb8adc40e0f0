/*
 * at_daemon: what every attache daemon's main() shares.
 *
 *  - main()'s frame: at_daemon_start (including the whole
 *    --check-config), then at_daemon_fail or at_daemon_exit;
 *  - command line: -c/--config FILE, -s/--set KEY=VALUE, per-daemon
 *    shortcut flags (e.g. --input PATH for ingest.input), --check-config,
 *    --help, --help-config, --version;
 *  - config loading (file, then flags in order) and reloading on SIGHUP;
 *  - signals: handlers only set flags (TERM/INT: drain and stop, HUP:
 *    reload); SIGPIPE is ignored;
 *  - systemd: sd_notify READY/STATUS/RELOADING/STOPPING and WATCHDOG pings
 *    when the unit sets WatchdogSec;
 *  - counters: logged and sent as STATUS= every daemon.stats_interval;
 *  - observability (docs/metrics.md): with metrics.listen set, an HTTP
 *    server (at_http) answers /metrics from the daemon's registry
 *    (at_metrics), /healthz (the loop turned within
 *    metrics.liveness_timeout) and /readyz (READY was sent, not stopping,
 *    and every readiness condition the daemon set holds).
 *
 * The daemon loops (in each daemon's library) call at_daemon_tick() at
 * least every few hundred milliseconds, and at_daemon_drained() to know
 * when a stopping daemon's input has gone quiet.
 */
#ifndef AT_DAEMON_H
#define AT_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at_config.h"
#include "at_deadletter.h"
#include "at_metrics.h"
#include "at_transport.h"

/* Set by the signal handlers; cleared by whoever acts on them. */
extern volatile sig_atomic_t at_daemon_stop_flag;
extern volatile sig_atomic_t at_daemon_reload_flag;

/* A named counter; arrays end with {NULL, 0, 0}. */
typedef struct {
    const char *name;
    uint64_t value;
    int gauge; /* a level that goes up and down (queue depth, lag), not a count:
                  exported to /metrics as a gauge, without _total */
} at_counter_t;

/* A shortcut flag: `--long VALUE` (or `-s VALUE`) sets config key `key`. */
typedef struct {
    const char *long_name;
    int short_name; /* 0 = none */
    const char *key;
    const char *metavar;
} at_flag_t;

typedef struct {
    const char *name;    /* "attache-ingest" */
    const char *summary; /* one line for --help */
    const at_cfg_def_t *defs;
    const at_flag_t *flags; /* ends with {NULL} */
} at_daemon_spec_t;

/* The config keys every daemon has ([log], [daemon]); daemons append
 * their own. Use AT_DAEMON_COMMON_KEYS inside an at_cfg_def_t table. */
#define AT_DAEMON_COMMON_KEYS                                                                      \
    {"log.level", AT_CFG_ENUM,                                                                     \
     "info",      0,                                                                               \
     0,           "error|warn|info|debug",                                                         \
     true,        "Lowest level written to stderr."},                                              \
        {"daemon.stats_interval",                                                                  \
         AT_CFG_INT,                                                                               \
         "30",                                                                                     \
         0,                                                                                        \
         86400,                                                                                    \
         NULL,                                                                                     \
         true,                                                                                     \
         "Seconds between counter log lines and sd_notify STATUS updates; 0 turns them off."},     \
        {"daemon.drain_idle_ms",                                                                   \
         AT_CFG_INT,                                                                               \
         "500",                                                                                    \
         10,                                                                                       \
         600000,                                                                                   \
         NULL,                                                                                     \
         true,                                                                                     \
         "On SIGTERM, keep reading the input until it has been idle this long."},                  \
        {"daemon.shutdown_timeout",                                                                \
         AT_CFG_INT,                                                                               \
         "30",                                                                                     \
         1,                                                                                        \
         3600,                                                                                     \
         NULL,                                                                                     \
         true,                                                                                     \
         "Seconds to keep trying to hand over in-flight messages when stopping."},                 \
        {"kafka.*",                                                                                \
         AT_CFG_PASSTHROUGH,                                                                       \
         NULL,                                                                                     \
         0,                                                                                        \
         0,                                                                                        \
         NULL,                                                                                     \
         false,                                                                                    \
         "librdkafka property for every kafka:// endpoint of this daemon (docs/kafka.md), "        \
         "e.g. kafka.security.protocol=SASL_SSL; overrides attache's defaults."},                  \
        {"metrics.listen",                                                                         \
         AT_CFG_STRING,                                                                            \
         "",                                                                                       \
         0,                                                                                        \
         0,                                                                                        \
         NULL,                                                                                     \
         false,                                                                                    \
         "HOST:PORT serving /metrics (Prometheus), /healthz and /readyz over HTTP, e.g. "          \
         "127.0.0.1:9464, [::1]:9464, *:9464 (every interface); port 0 picks a free port "         \
         "(logged); empty turns it off. docs/metrics.md."},                                        \
    {                                                                                              \
        "metrics.liveness_timeout", AT_CFG_INT, "30", 1, 3600, NULL, true,                         \
            "/healthz answers 503 once the daemon's main loop has not turned for this many "       \
            "seconds."                                                                             \
    }

typedef struct {
    const at_daemon_spec_t *spec;
    const char *config_path; /* NULL when none was given */
    char **sets;             /* "key=value" in command-line order */
    size_t nsets;
    bool check_config;
    at_config_t *cfg; /* current config (owned) */
    at_counter_t *counters;
    at_counter_t *more_counters; /* a second set (e.g. the feed source's) */
    uint64_t watchdog_usec;
    uint64_t last_watchdog_ms, last_stats_ms;
    uint64_t reject_window_ms, give_up_at_ms;
    unsigned reject_logged, reject_suppressed;
    /* This daemon's metrics (every series carries daemon="<name without
     * attache->"). Register series with at_metrics_* or mirror counters
     * with at_daemon_export_*; NULL under --check-config. */
    at_metrics_t *metrics;
    struct at_daemon_obs *obs; /* private: HTTP server, mirrors, health */
} at_daemon_t;

/* Parse argv, load and validate the config, set up logging and signals.
 * Returns 0 to go on (when self->check_config is set, the caller validates
 * what only it knows, such as endpoints and data, then returns
 * at_daemon_check_done()). Returns 1 when main should exit at once with
 * *exit_code: 0 after --help/--version/--help-config, 1 for a bad config,
 * 2 for a usage error (all reported on stderr). */
int at_daemon_init(at_daemon_t *self, const at_daemon_spec_t *spec, int argc, char **argv,
                   int *exit_code);

/* Finish --check-config: on ok prints the effective config to stdout and
 * "configuration OK" to stderr and returns 0; else logs err and returns 1
 * (the process exit code). */
int at_daemon_check_done(at_daemon_t *self, int ok, const char *err);

/* A daemon's own --check-config validation of what only it knows
 * (endpoints, output specs, data): 0, or -1 with the reason in err. */
typedef int(at_daemon_check_fn)(const at_config_t *cfg, char *err, size_t errlen);

/* The start of every daemon's main(): at_daemon_init, and under
 * --check-config the whole check (check, then at_daemon_check_done).
 * Returns 0 to go on and build the daemon; 1 when main should return
 * *exit_code at once. */
int at_daemon_start(at_daemon_t *self, const at_daemon_spec_t *spec, at_daemon_check_fn *check,
                    int argc, char **argv, int *exit_code);

/* The end of main() when the daemon could not be built: logs err, finishes
 * self and returns 1, the exit code. */
int at_daemon_fail(at_daemon_t *self, const char *err);

/* The end of main() after the daemon ran: terminates the ZeroMQ context,
 * finishes self and returns code, the exit code. */
int at_daemon_exit(at_daemon_t *self, int code);

/* Build a fresh config from the file and flags (used on SIGHUP). Caller
 * owns the result. NULL with "file:line: reason" in err on any error. */
at_config_t *at_daemon_load_config(const at_daemon_t *self, char *err, size_t errlen);

/* Re-read the config after SIGHUP. On success the new config replaces
 * self->cfg, the old one is returned in *old_p for the caller to compare
 * (and destroy), log.level takes effect, and every changed key the table marks as not
 * reloadable is logged as needing a restart. On error the old config stays
 * and -1 is returned (the error is logged). Sends RELOADING=1 first; the
 * caller sends READY=1 via at_daemon_ready when done. */
int at_daemon_reload(at_daemon_t *self, at_config_t **old_p);

/* Counters to log and report in STATUS= (array must outlive the daemon).
 * Each is also exported as the counter attache_<daemon>_<name>_total
 * (e.g. attache_sink_written_total), mirrored at every tick. */
void at_daemon_set_counters(at_daemon_t *self, at_counter_t *counters);

/* A second set of counters, logged after the first (NULL to remove). */
void at_daemon_set_more_counters(at_daemon_t *self, at_counter_t *counters);

/* The pipeline accounting every daemon exports under the same names
 * (docs/metrics.md), so that received = emitted + rejected + dropped holds
 * per daemon: */
typedef enum {
    AT_ITEMS_RECEIVED, /* attache_items_received_total */
    AT_ITEMS_EMITTED,  /* attache_items_emitted_total: handed to the next hop / written */
    AT_ITEMS_REJECTED, /* attache_items_rejected_total{reason}: bad input */
    AT_ITEMS_DROPPED,  /* attache_items_dropped_total{reason}: good input not emitted */
} at_items_kind_t;

/* Mirror the daemon's own counter *src (owned by the daemon, updated only
 * by its main thread) into one of the series above; reason is NULL for
 * received and emitted. Mirrors are copied at every at_daemon_tick under
 * the registry lock, so a scrape sees all of a daemon's counters as of one
 * moment between two items. 0, or -1 (bad name, no memory). */
int at_daemon_export_items(at_daemon_t *self, at_items_kind_t kind, const char *reason,
                           const uint64_t *src);

/* at_daemon_export_items of AT_ITEMS_REJECTED for each of the n reasons:
 * rejected_by[i] counts the inputs rejected for reasons[i]. 0, or -1 when
 * one could not be exported. */
int at_daemon_export_rejected(at_daemon_t *self, const char *const *reasons,
                              const uint64_t *rejected_by, size_t n);

/* Mirror any counter *src into the counter series name{labels} (see
 * at_metrics_counter for labels). 0 or -1. */
int at_daemon_export_counter(at_daemon_t *self, const uint64_t *src, const char *name,
                             const char *help, const char *const *labels);

/* Set a readiness condition for /readyz ("input", "output", ...): ready
 * needs every condition true. detail says why when false (copied). At most
 * 8 conditions. Call from the main thread. */
void at_daemon_set_condition(at_daemon_t *self, const char *name, bool ok, const char *detail);

/* A function at_daemon_tick calls about every 250 ms on the main thread to
 * re-evaluate readiness conditions (e.g. from at_transport_peers). */
typedef void(at_daemon_probe_fn)(void *arg);
void at_daemon_set_probe(at_daemon_t *self, at_daemon_probe_fn *fn, void *arg);

/* The port /metrics is served on, or 0 when metrics.listen is empty. */
int at_daemon_metrics_port(const at_daemon_t *self);

/* Set readiness condition name from whether tx has a peer connected
 * ("no peer connected to <endpoint>" when not). */
void at_daemon_set_peer_condition(at_daemon_t *self, const char *name, at_transport_t *tx);

/* Whether a stopping daemon has drained its input: a stop was requested
 * and nothing has arrived for daemon.drain_idle_ms. Call after each receive
 * that got nothing; *idle_since is when that began (start it at 0, and
 * set it back to 0 on every message received). */
bool at_daemon_drained(const at_daemon_t *self, uint64_t *idle_since);

/* Tell systemd (and `attache run`) the daemon is ready. */
void at_daemon_ready(at_daemon_t *self, const char *status);

/* STOPPING=1 plus a status line. */
void at_daemon_stopping(at_daemon_t *self, const char *status);

/* Watchdog ping and periodic stats; cheap, call often. */
void at_daemon_tick(at_daemon_t *self);

/* Log the counters now at info level with a prefix ("stats", "final"). */
void at_daemon_log_counters(const at_daemon_t *self, const char *prefix);

/* Format counters as "a=1 b=2" into buf. */
void at_counters_format(const at_counter_t *c, char *buf, size_t len);

/* Report one rejected input: a warn line (rate-limited to 20 a second;
 * the number suppressed is logged when logging resumes) and, when dl is not
 * NULL, a dead-letter record. Counting is the caller's. */
void at_daemon_reject(at_daemon_t *self, at_deadletter_t *dl, const char *reason, const void *data,
                      size_t len);

/* What at_daemon_check_msg found. */
#define AT_MSG_OK       0
#define AT_MSG_BAD      1 /* wrong frames or wrong type */
#define AT_MSG_OVERSIZE 2 /* larger than the config key max_key allows */

/* Why a daemon whose input is attache protobuf messages (enrich, sink)
 * rejects one: index into at_msg_reject_names, the reason labels of
 * attache_items_rejected_total. */
typedef enum {
    AT_REJECT_BAD_FRAME,    /* AT_MSG_BAD */
    AT_REJECT_OVERSIZE,     /* AT_MSG_OVERSIZE */
    AT_REJECT_BAD_PROTOBUF, /* the payload does not decode */
    AT_REJECT_INVALID,      /* it decodes but breaks the message contract */
    AT_REJECT_COUNT
} at_msg_reject_t;

extern const char *const at_msg_reject_names[AT_REJECT_COUNT];

/* Check a received message before decoding it: the [type, payload] frame
 * shape, the expected type, and the size limit in config key max_key.
 * Returns AT_MSG_OK, or AT_MSG_BAD / AT_MSG_OVERSIZE with a one-line reason
 * in why. */
int at_daemon_check_msg(const at_daemon_t *self, const at_msg_t *msg, const char *type,
                        const char *max_key, char *why, size_t whylen);

/* Hand one message to the next hop, waiting as long as the hop needs
 * (backpressure), pinging the watchdog while blocked. Once a stop was
 * requested it keeps trying for daemon.shutdown_timeout seconds, counted
 * from the first blocked attempt after the stop, then gives up.
 * Returns 0 when sent, -1 when given up or on a transport error (logged). */
int at_daemon_send(at_daemon_t *self, at_transport_t *out, const char *type, const char *key,
                   const void *payload, size_t len);

/* at_daemon_send that acknowledges `ack` on ack_in once the next hop has
 * the message (at_transport_send_acked). */
int at_daemon_send_acked(at_daemon_t *self, at_transport_t *out, const char *type, const char *key,
                         const void *payload, size_t len, at_transport_t *ack_in, at_ack_t ack);

/* Monotonic milliseconds. */
uint64_t at_now_ms(void);

void at_daemon_fini(at_daemon_t *self);

#endif
