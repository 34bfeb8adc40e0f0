/*
 * fuzz_linereader: at_linereader, the bounded line splitter that reads
 * JSON-lines input from files, pipes and followed (growing) files.
 *
 * The first input byte picks max_line (1..64) and how many pieces the
 * rest is written in; each piece is appended to a memfd and read in follow
 * mode until EOF (as `tail -f` input arrives), then a final non-follow
 * read drains the rest. The lines must be exactly what a simple reference
 * splitter produces from the whole input at once (at_linereader.h):
 *   - each '\n'-terminated line, and a final unterminated one, in order;
 *   - a line longer than max_line (counting a trailing '\r') is reported
 *     once as AT_LR_TOOLONG with its first max_line bytes, the rest skipped;
 *   - AT_LR_LINE never contains '\n' and has one trailing '\r' removed;
 * and at the end the offset is the number of bytes written.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "at_fuzz.h"
#include "at_linereader.h"

typedef struct {
    at_lr_status_t st;
    const uint8_t *p;
    size_t len;
} ref_line_t;

/* The reference: split the whole input the way the header describes. */
static size_t reference(const uint8_t *d, size_t n, size_t max_line, ref_line_t *out)
{
    size_t k = 0, i = 0;
    while (i < n) {
        const uint8_t *nl = memchr(d + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (d + i)) : n - i;
        if (len > max_line) {
            out[k++] = (ref_line_t){AT_LR_TOOLONG, d + i, max_line};
        } else {
            size_t l = len;
            if (l > 0 && d[i + l - 1] == '\r')
                l--;
            out[k++] = (ref_line_t){AT_LR_LINE, d + i, l};
        }
        i += len + (nl ? 1 : 0);
    }
    return k;
}

static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fd = memfd_create("linereader", MFD_CLOEXEC);
    AT_FUZZ_CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t max_line = 1 + data[0] % 64;
    size_t pieces = 1 + (data[0] >> 6) * 3; /* 1, 4, 7 or 10 */
    data++;
    size--;

    ref_line_t *want = malloc((size + 1) * sizeof *want);
    AT_FUZZ_CHECK(want != NULL, "out of memory");
    size_t nwant = reference(data, size, max_line, want), got = 0;

    AT_FUZZ_CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0, "reset memfd");
    at_linereader_t *lr = at_linereader_new(fd, max_line);
    AT_FUZZ_CHECK(lr != NULL, "at_linereader_new failed");
    size_t written = 0;
    for (size_t piece = 0; piece <= pieces; piece++) {
        int follow = piece < pieces;
        if (follow) {
            /* Piece boundaries from the data itself, so the fuzzer steers
             * where a line is cut. */
            size_t end = piece + 1 == pieces ? size : written + (size - written) / (pieces - piece);
            if (end < size && end > written)
                end = written + 1 + data[written] % (end - written);
            ssize_t w = pwrite(fd, data + written, end - written, (off_t)written);
            AT_FUZZ_CHECK(w == (ssize_t)(end - written), "pwrite");
            written = end;
        }
        for (;;) {
            const char *line;
            size_t len;
            at_lr_status_t st = at_linereader_next(lr, &line, &len, follow);
            if (st == AT_LR_EOF)
                break;
            AT_FUZZ_CHECK(st == AT_LR_LINE || st == AT_LR_TOOLONG, "status %d", (int)st);
            AT_FUZZ_CHECK(got < nwant, "extra line (status %d, %zu bytes)", (int)st, len);
            const ref_line_t *r = &want[got++];
            AT_FUZZ_CHECK(st == r->st, "line %zu: status %d, want %d", got, (int)st, (int)r->st);
            AT_FUZZ_CHECK(len == r->len && memcmp(line, r->p, len) == 0,
                          "line %zu: %zu bytes '%.*s', want %zu '%.*s'", got, len, (int)len, line,
                          r->len, (int)r->len, (const char *)r->p);
            AT_FUZZ_CHECK(len <= max_line, "line longer than max_line");
            AT_FUZZ_CHECK(st != AT_LR_LINE || !memchr(line, '\n', len), "newline in a line");
        }
    }
    AT_FUZZ_CHECK(got == nwant, "%zu lines, want %zu", got, nwant);
    AT_FUZZ_CHECK(at_linereader_offset(lr) == size, "offset %llu, want %zu",
                  at_linereader_offset(lr), size);
    at_linereader_destroy(&lr);
    AT_FUZZ_CHECK(lr == NULL, "destroy did not null the pointer");
    free(want);
    return 0;
}
