/*
 * at_linereader: bounded line reading. See at_linereader.h.
 *
 * The buffer holds max_line + one read chunk. Lines are returned as views
 * into the buffer; consumed bytes are compacted away lazily.
 */
#include "at_linereader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

struct at_linereader {
    int fd;
    size_t max_line;
    char *buf;
    size_t cap, start, end; /* unread data is buf[start, end) */
    int skipping;           /* inside the tail of an over-long line */
    int eof_seen;
    unsigned long long offset;
};

at_linereader_t *at_linereader_new(int fd, size_t max_line)
{
    at_linereader_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->fd = fd;
    self->max_line = max_line ? max_line : 1;
    self->cap = self->max_line + CHUNK + 1;
    self->buf = malloc(self->cap);
    if (!self->buf) {
        free(self);
        return NULL;
    }
    return self;
}

void at_linereader_destroy(at_linereader_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->buf);
    free(*self_p);
    *self_p = NULL;
}

unsigned long long at_linereader_offset(const at_linereader_t *self)
{
    return self->offset;
}

/* Hand out buf[start, start+n) as a line, consuming n plus `skip` bytes. */
static at_lr_status_t emit(at_linereader_t *self, size_t n, size_t skip, const char **line,
                           size_t *len, at_lr_status_t st)
{
    char *p = self->buf + self->start;
    size_t l = n;
    if (st == AT_LR_LINE && l > 0 && p[l - 1] == '\r')
        l--;
    *line = p;
    *len = l;
    self->start += n + skip;
    self->offset += n + skip;
    return st;
}

at_lr_status_t at_linereader_next(at_linereader_t *self, const char **line, size_t *len, int follow)
{
    for (;;) {
        char *p = self->buf + self->start;
        size_t avail = self->end - self->start;
        char *nl = avail ? memchr(p, '\n', avail) : NULL;
        if (self->skipping) {
            if (nl) {
                size_t n = (size_t)(nl - p) + 1;
                self->start += n;
                self->offset += n;
                self->skipping = 0;
                continue;
            }
            self->offset += avail;
            self->start = self->end = 0;
        } else if (nl) {
            size_t n = (size_t)(nl - p);
            if (n > self->max_line) {
                /* Whole over-long line already buffered. */
                return emit(self, self->max_line, n - self->max_line + 1, line, len, AT_LR_TOOLONG);
            }
            return emit(self, n, 1, line, len, AT_LR_LINE);
        } else if (avail > self->max_line) {
            self->skipping = 1;
            return emit(self, self->max_line, avail - self->max_line, line, len, AT_LR_TOOLONG);
        }

        /* Need more data: compact, then read. */
        if (self->start > 0) {
            memmove(self->buf, self->buf + self->start, self->end - self->start);
            self->end -= self->start;
            self->start = 0;
        }
        ssize_t r = read(self->fd, self->buf + self->end, self->cap - 1 - self->end);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                return AT_LR_AGAIN;
            return AT_LR_ERROR;
        }
        if (r == 0) {
            if (!follow && self->end > self->start && !self->skipping)
                return emit(self, self->end - self->start, 0, line, len, AT_LR_LINE);
            return AT_LR_EOF;
        }
        self->end += (size_t)r;
    }
}
