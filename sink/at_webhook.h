/*
 * at_webhook: the HTTP output of attache-sink (`webhook:URL`), for alerts
 * or filtered events: each event is POSTed as its JSON line
 * (Content-Type: application/json, X-Attache-Event-Id: <id>) with libcurl.
 *
 * 2xx is delivered. 408, 429, 5xx and transport errors (refused, timeout,
 * reset) are retried with exponential backoff (Retry-After is honoured up
 * to backoff_max_ms); any other status is permanent. An event that fails
 * for good is appended to the dead-letter file (at_deadletter's format,
 * the reason naming the URL, status and attempts) and counted
 * dead_lettered; without a dead-letter file it is logged and counted
 * dropped. Options:
 *   retries=N          attempts after the first (default 5)
 *   backoff_ms=D       first wait (default 500ms), doubling
 *   backoff_max_ms=D   longest wait (default 30s)
 *   timeout_ms=D       per request (default 10s)
 *   dead_letter=PATH   where permanent failures go
 * A webhook is durable for the ack bookkeeping: an event is done once it
 * was delivered or is in the dead-letter file. When attache-sink stops,
 * waits are cut short: an event still failing then goes to the dead-letter
 * file at once (reason "..., shutting down") instead of holding the stop.
 */
#ifndef AT_WEBHOOK_H
#define AT_WEBHOOK_H

#include "at_sinkq.h"

extern const at_sinkbe_t at_webhook_backend;

#endif
