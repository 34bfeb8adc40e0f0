/*
 * at_linereader: bounded line reading from a file descriptor.
 *
 * getline(3) grows its buffer to the longest line, so one hostile 10 GB
 * line would exhaust memory. This reader keeps at most max_line bytes of a
 * line: a longer line is reported once as AT_LR_TOOLONG (with its first
 * max_line bytes) and the rest of it is skipped. Works on pipes and on
 * growing files (follow mode: EOF is reported, and reading again later
 * picks up appended data).
 */
#ifndef AT_LINEREADER_H
#define AT_LINEREADER_H

#include <stddef.h>

typedef enum {
    AT_LR_LINE = 0,    /* a complete line (without its '\n' and any '\r') */
    AT_LR_TOOLONG = 1, /* a line longer than max_line: its head is returned */
    AT_LR_EOF = 2,     /* no more data now (a final unterminated line is
                          returned as AT_LR_LINE first) */
    AT_LR_AGAIN = 3,   /* interrupted by a signal (EINTR) or would block */
    AT_LR_ERROR = -1,  /* read error, errno set */
} at_lr_status_t;

typedef struct at_linereader at_linereader_t;

/* Reader over fd (not closed by the reader). Caller owns the result. */
at_linereader_t *at_linereader_new(int fd, size_t max_line);

/* Next line. The line and its length stay valid until the next call. In follow mode
 * (follow != 0) a partial last line is kept until its newline arrives
 * instead of being returned at EOF. */
at_lr_status_t at_linereader_next(at_linereader_t *self, const char **line, size_t *len,
                                  int follow);

/* Total bytes consumed so far (for position reporting). */
unsigned long long at_linereader_offset(const at_linereader_t *self);

void at_linereader_destroy(at_linereader_t **self_p);

#endif
