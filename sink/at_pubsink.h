/*
 * at_pubsink: the ZeroMQ PUB output of attache-sink
 * (`zmq+tcp://HOST:PORT`, a star as HOST binds; `zmq+ipc:///PATH`; ?hwm=N).
 *
 * Each event goes out as one or more two-frame messages [topic, payload],
 * one per distinct subscription key it carries (docs/sinks.md):
 *
 *   event.                         every event, once
 *   alert.<rule>.<severity>.       once per distinct (rule, severity)
 *   country.<ISO3>.                once per distinct country mentioned or located
 *   actor.<QID>.                   once per distinct actor mentioned
 *
 * so a plain ZeroMQ prefix subscription selects what it names: "alert."
 * (every alerting event), "alert.warrant_exposure.", "alert.warrant_
 * exposure.critical.", "country.KAZ.", "actor.Q7747.". A subscription to
 * a full key gets each matching event exactly once; one to a shorter
 * prefix ("alert.") gets one copy per distinct key under it, all sent
 * back to back, so dropping a message whose event id equals the previous
 * one's removes every duplicate (`attache tail` does). Names are
 * sanitized to [A-Za-z0-9_-] so they cannot forge a level.
 *
 * Options: format=protobuf (default; the attache.v1.Event bytes) | json
 * (the JSON line); topics=on (default) | off (one message per event with
 * topic "attache.v1.Event": the sink.publish republisher).
 *
 * Never blocks: the socket is XPUB with ZMQ_XPUB_NODROP, and a message a
 * subscriber has no room for is counted (the event as "dropped"). New
 * subscriptions are logged at info ("subscription +country.KAZ.").
 */
#ifndef AT_PUBSINK_H
#define AT_PUBSINK_H

#include <stddef.h>

#include "at_sinkq.h"

extern const at_sinkbe_t at_pub_backend;

/* The subscription keys of ev, distinct, in the order they are sent, as
 * one string "key\0key\0...\0" (ends with an empty key). Caller owns the
 * result and must free it. NULL on allocation failure. */
char *at_pubsink_topics(const Attache__V1__Event *ev);

#endif
