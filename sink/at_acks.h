/*
 * at_acks: attache-sink's ack bookkeeping. A received message may be
 * acknowledged to its input (at_transport_ack; on Kafka the offset store)
 * only once every durable output that was given its event has it durably
 * (JSONL after its fsync, SQLite after COMMIT, a webhook after delivery or
 * dead-lettering), and only in input order.
 *
 * For each message the daemon records, per durable output, how many
 * events that output had been given up to and including this one
 * ("need"). The output's worker counts the events it has finished
 * ("done", at_sinkq_done). A message is ready when done >= need for every
 * output; messages are released strictly first in, first out, so an ack
 * never overtakes an earlier message that is still pending.
 */
#ifndef AT_ACKS_H
#define AT_ACKS_H

#include <stddef.h>
#include <stdint.h>

typedef struct at_acks at_acks_t;

/* Bookkeeping for nout durable outputs (0 is fine: everything is ready at
 * once). NULL on allocation failure. Caller owns the result and must
 * destroy it. */
at_acks_t *at_acks_new(size_t nout);

/* Append a message with its need vector (nout values, copied). The
 * message pointer is opaque here and handed back on release. 0 or -1
 * (out of memory). */
int at_acks_push(at_acks_t *self, void *msg, const uint64_t *need);

/* Release, in order, every message at the head whose need is met by done
 * (nout values), calling fn(arg, msg) for each. Returns how many. */
size_t at_acks_release(at_acks_t *self, const uint64_t *done, void (*fn)(void *arg, void *msg),
                       void *arg);

size_t at_acks_pending(const at_acks_t *self);

/* Call fn for each message still pending (to free it without an ack),
 * then free. NULL-safe; nulls the caller's pointer. */
void at_acks_destroy(at_acks_t **self_p, void (*fn)(void *arg, void *msg), void *arg);

#endif
