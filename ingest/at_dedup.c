/*
 * at_dedup: bounded id set. See at_dedup.h.
 *
 * Linear probing in a power-of-two table kept at most half full; hash 0 is
 * the empty marker, so a real hash of 0 is stored as 1.
 */
#include "at_dedup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

struct at_dedup {
    uint64_t *slots;
    size_t mask, size, capacity;
};

at_dedup_t *at_dedup_new(size_t capacity)
{
    if (capacity == 0)
        return NULL;
    at_dedup_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    size_t n = 16;
    while (n < capacity * 2)
        n <<= 1;
    self->slots = calloc(n, sizeof *self->slots);
    if (!self->slots) {
        free(self);
        return NULL;
    }
    self->mask = n - 1;
    self->capacity = capacity;
    return self;
}

bool at_dedup_seen(at_dedup_t *self, const char *id, bool *cleared)
{
    uint64_t h = XXH3_64bits(id, strlen(id));
    if (h == 0)
        h = 1;
    size_t i = (size_t)h & self->mask;
    while (self->slots[i]) {
        if (self->slots[i] == h)
            return true;
        i = (i + 1) & self->mask;
    }
    if (self->size >= self->capacity) {
        memset(self->slots, 0, (self->mask + 1) * sizeof *self->slots);
        self->size = 0;
        if (cleared)
            *cleared = true;
        i = (size_t)h & self->mask;
    }
    self->slots[i] = h;
    self->size++;
    return false;
}

size_t at_dedup_size(const at_dedup_t *self)
{
    return self->size;
}

void at_dedup_destroy(at_dedup_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->slots);
    free(*self_p);
    *self_p = NULL;
}
