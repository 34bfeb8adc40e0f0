/*
 * at_acks: ordered ack release. See at_acks.h.
 */
#include "at_acks.h"

#include <stdlib.h>
#include <string.h>

struct at_acks {
    size_t nout;
    void **msgs;
    uint64_t *needs; /* cap * nout */
    size_t cap, head, count;
};

at_acks_t *at_acks_new(size_t nout)
{
    at_acks_t *self = calloc(1, sizeof *self);
    if (self)
        self->nout = nout;
    return self;
}

static int grow(at_acks_t *self)
{
    size_t cap = self->cap ? self->cap * 2 : 1024;
    void **msgs = malloc(cap * sizeof *msgs);
    uint64_t *needs = malloc(cap * (self->nout ? self->nout : 1) * sizeof *needs);
    if (!msgs || !needs) {
        free(msgs);
        free(needs);
        return -1;
    }
    for (size_t i = 0; i < self->count; i++) {
        size_t from = (self->head + i) % self->cap;
        msgs[i] = self->msgs[from];
        memcpy(needs + i * self->nout, self->needs + from * self->nout, self->nout * sizeof *needs);
    }
    free(self->msgs);
    free(self->needs);
    self->msgs = msgs;
    self->needs = needs;
    self->cap = cap;
    self->head = 0;
    return 0;
}

int at_acks_push(at_acks_t *self, void *msg, const uint64_t *need)
{
    if (self->count == self->cap && grow(self) < 0)
        return -1;
    size_t at = (self->head + self->count) % self->cap;
    self->msgs[at] = msg;
    if (self->nout)
        memcpy(self->needs + at * self->nout, need, self->nout * sizeof *need);
    self->count++;
    return 0;
}

size_t at_acks_release(at_acks_t *self, const uint64_t *done, void (*fn)(void *arg, void *msg),
                       void *arg)
{
    size_t n = 0;
    while (self->count) {
        const uint64_t *need = self->needs + self->head * self->nout;
        for (size_t i = 0; i < self->nout; i++)
            if (done[i] < need[i])
                return n;
        void *msg = self->msgs[self->head];
        self->head = (self->head + 1) % self->cap;
        self->count--;
        fn(arg, msg);
        n++;
    }
    return n;
}

size_t at_acks_pending(const at_acks_t *self)
{
    return self->count;
}

void at_acks_destroy(at_acks_t **self_p, void (*fn)(void *arg, void *msg), void *arg)
{
    if (!self_p || !*self_p)
        return;
    at_acks_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        fn(arg, self->msgs[(self->head + i) % self->cap]);
    free(self->msgs);
    free(self->needs);
    free(self);
    *self_p = NULL;
}
