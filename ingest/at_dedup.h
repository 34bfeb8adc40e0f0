/*
 * at_dedup: in-memory "seen this item id?" set for attache-ingest.
 *
 * Open addressing over 64-bit XXH3 hashes of the ids, with a fixed
 * capacity: when the set is full it is cleared and starts over (logged by
 * the caller), so memory stays bounded at ~16 bytes per slot. A 64-bit
 * hash collision (about 1 in 10^10 at a million ids) would drop a distinct
 * item; persistent deduplication with a retention window is the live-feeds
 * issue's (it keeps full ids).
 */
#ifndef AT_DEDUP_H
#define AT_DEDUP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct at_dedup at_dedup_t;

/* A set remembering up to `capacity` ids (> 0). Caller owns the result. */
at_dedup_t *at_dedup_new(size_t capacity);

/* Record id; returns true if it was already present (a duplicate). When
 * recording it would exceed the capacity, the set is cleared first and
 * *cleared (if not NULL) is set to true. */
bool at_dedup_seen(at_dedup_t *self, const char *id, bool *cleared);

size_t at_dedup_size(const at_dedup_t *self);

void at_dedup_destroy(at_dedup_t **self_p);

#endif
