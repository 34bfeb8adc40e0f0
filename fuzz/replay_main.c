/*
 * replay_main: the driver that turns a fuzz target into a ctest test in
 * builds without libFuzzer (gcc, any sanitizer setting; docs/fuzzing.md).
 *
 *   replay_<name> [--mutations N] [--seed S] [--max-len L] PATH...
 *
 * Runs LLVMFuzzerTestOneInput once on every file given (a directory
 * means every regular file in it, in name order), then N more times on
 * deterministic pseudo-random mutations of those files: a fixed seed, so
 * a failure in CI reproduces byte for byte on any machine. Each input is
 * passed in a buffer of exactly its size, as libFuzzer does, so
 * AddressSanitizer sees any read past its end.
 *
 * On a crash (a failed AT_FUZZ_CHECK, a signal, or a sanitizer report)
 * the input is written to crash-<name>-<run> in $ATTACHE_FUZZ_CRASH_DIR
 * (default: the current directory) and its origin is printed, so it can
 * be fed to the libFuzzer binary or to this driver as a PATH.
 *
 * This is a regression check, not a fuzzer: it has no coverage feedback.
 * Finding new bugs is the libFuzzer build's job.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "at_fuzz.h"

/* Optional in a target; the sanitizer hook is only there in sanitized
 * builds. Both are weak so their absence is a NULL address. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

#ifndef AT_FUZZ_TARGET_NAME
#define AT_FUZZ_TARGET_NAME "target"
#endif

typedef struct {
    char *name;
    uint8_t *data;
    size_t size;
} input_t;

static input_t *inputs;
static size_t ninputs, capinputs;

/* What is running now, for the crash report. Written before each run. */
static const uint8_t *cur_data;
static size_t cur_size;
static char cur_what[768];
static unsigned long long cur_run;

/* --- crash reporting ----------------------------------------------------- */

static void write_str(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Async-signal-safe: only write(2), open(2) and stack buffers. */
static void save_crash(void)
{
    static volatile sig_atomic_t saved;
    if (saved || !cur_data)
        return;
    saved = 1;
    const char *dir = getenv("ATTACHE_FUZZ_CRASH_DIR");
    char path[1024], num[32];
    int k = 0;
    unsigned long long r = cur_run;
    do {
        num[k++] = (char)('0' + r % 10);
        r /= 10;
    } while (r && k < 30);
    char rev[32];
    for (int i = 0; i < k; i++)
        rev[i] = num[k - 1 - i];
    rev[k] = '\0';
    path[0] = '\0';
    strncat(path, dir && *dir ? dir : ".", 600);
    strcat(path, "/crash-" AT_FUZZ_TARGET_NAME "-");
    strcat(path, rev);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        size_t off = 0;
        while (off < cur_size) {
            ssize_t w = write(fd, cur_data + off, cur_size - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        close(fd);
    }
    write_str(2, "\nreplay: crash in " AT_FUZZ_TARGET_NAME " on ");
    write_str(2, cur_what);
    write_str(2, "\nreplay: input saved to ");
    write_str(2, fd >= 0 ? path : "(could not write it)");
    write_str(2, "\n");
}

static void on_signal(int sig)
{
    save_crash();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_handlers(void)
{
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(save_crash);
    /* abort() from AT_FUZZ_CHECK, and faults the sanitizers do not take
     * over (sanitizers install their own SEGV handler before main runs;
     * only replace handlers that are still the default). */
    int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            signal(sigs[i], on_signal);
    }
}

/* --- inputs --------------------------------------------------------------- */

static void add_input(const char *name, uint8_t *data, size_t size)
{
    if (ninputs == capinputs) {
        capinputs = capinputs ? 2 * capinputs : 64;
        inputs = realloc(inputs, capinputs * sizeof *inputs);
        AT_FUZZ_CHECK(inputs != NULL, "out of memory");
    }
    inputs[ninputs].name = strdup(name);
    inputs[ninputs].data = data;
    inputs[ninputs].size = size;
    AT_FUZZ_CHECK(inputs[ninputs].name != NULL, "out of memory");
    ninputs++;
}

static int read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    AT_FUZZ_CHECK(buf != NULL, "out of memory");
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            AT_FUZZ_CHECK(buf != NULL, "out of memory");
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        return -1;
    }
    add_input(path, buf, len);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return read_file(path);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof *names);
            AT_FUZZ_CHECK(names != NULL, "out of memory");
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        AT_FUZZ_CHECK(names[n] != NULL, "out of memory");
        snprintf(names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    /* readdir order depends on the file system; sort for reproducibility. */
    qsort(names, n, sizeof *names, cmp_name);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && read_file(names[i]) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

/* --- mutations ------------------------------------------------------------ */

static uint64_t rng_state;

/* xorshift64*: fast, deterministic, good enough to pick mutations. */
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static size_t below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

/* Tokens that matter to several of the decoders (JSON, UTF-8 edge cases,
 * TSV/INI structure, dates). A short shared list keeps the driver
 * target-agnostic; the libFuzzer build has per-target dictionaries. */
static const char *const tokens[] = {
    "\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "\\udc00",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "#",
    "=",
    "[x]",
    "?",
    "&",
    "*",
    "\xc3\xa9",
    "\xe2\x80\x99",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
    "\xc0\x80",
    "\xef\xbb\xbf",
    "\xff",
    "\x80",
    "0",
    "9",
    "-",
    "+",
    "99999999999999999999",
    "-1",
    "2024-02-29",
    "1999-12-31T23:59:60Z",
    "+23:59",
    "GMT",
    "Z",
    "T",
    "Feb",
    "Sept",
    "(",
    ")",
};

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
    int steps = 1 + (int)below(4);
    for (int s = 0; s < steps; s++) {
        switch (below(10)) {
        case 0: /* flip a bit */
            if (len)
                buf[below(len)] ^= (uint8_t)(1u << below(8));
            break;
        case 1: /* random byte */
            if (len)
                buf[below(len)] = (uint8_t)rnd();
            break;
        case 2: { /* interesting byte */
            static const uint8_t v[] = {0,    0x7f, 0x80, 0xff, '\n', '\r', '\t', ' ',  '"',
                                        '\\', '0',  '9',  ':',  '-',  0xc3, 0xed, 0xf4, 0x01};
            if (len)
                buf[below(len)] = v[below(sizeof v)];
            break;
        }
        case 3: { /* delete a range */
            if (!len)
                break;
            size_t at = below(len), n = 1 + below(len - at < 16 ? len - at : 16);
            memmove(buf + at, buf + at + n, len - at - n);
            len -= n;
            break;
        }
        case 4: { /* insert random bytes */
            size_t n = 1 + below(8);
            if (len + n > cap)
                break;
            size_t at = below(len + 1);
            memmove(buf + at + n, buf + at, len - at);
            for (size_t i = 0; i < n; i++)
                buf[at + i] = (uint8_t)rnd();
            len += n;
            break;
        }
        case 5:
        case 6: { /* insert a token */
            const char *t = tokens[below(sizeof tokens / sizeof tokens[0])];
            size_t n = strlen(t);
            if (len + n > cap)
                break;
            size_t at = below(len + 1);
            memmove(buf + at + n, buf + at, len - at);
            memcpy(buf + at, t, n);
            len += n;
            break;
        }
        case 7: { /* duplicate a range in place */
            if (!len)
                break;
            size_t at = below(len), n = 1 + below(len - at < 64 ? len - at : 64);
            if (len + n > cap)
                break;
            size_t to = below(len + 1);
            uint8_t tmp[64];
            memcpy(tmp, buf + at, n);
            memmove(buf + to + n, buf + to, len - to);
            memcpy(buf + to, tmp, n);
            len += n;
            break;
        }
        case 8: { /* splice in part of another input */
            const input_t *o = &inputs[below(ninputs)];
            if (!o->size)
                break;
            size_t from = below(o->size), n = 1 + below(o->size - from);
            if (n > cap - len)
                n = cap - len;
            size_t at = below(len + 1);
            memmove(buf + at + n, buf + at, len - at);
            memcpy(buf + at, o->data + from, n);
            len += n;
            break;
        }
        case 9: /* truncate */
            len = below(len + 1);
            break;
        }
    }
    return len;
}

/* --- running -------------------------------------------------------------- */

/* Run the target on a private copy of exactly `size` bytes. */
static void run_one(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    AT_FUZZ_CHECK(copy != NULL, "out of memory");
    if (size)
        memcpy(copy, data, size);
    cur_data = copy;
    cur_size = size;
    LLVMFuzzerTestOneInput(copy, size);
    cur_data = NULL;
    free(copy);
    cur_run++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: replay_%s [--mutations N] [--seed S] [--max-len L] PATH...\n",
            AT_FUZZ_TARGET_NAME);
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long long mutations = 0, seed = 1;
    size_t max_len = 64 * 1024;
    int first_path = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mutations") == 0 && i + 1 < argc)
            mutations = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--max-len") == 0 && i + 1 < argc)
            max_len = (size_t)strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] == '-' && argv[i][1] == '-')
            usage();
        else if (!first_path)
            first_path = i;
    }
    if (!first_path)
        usage();
    install_crash_handlers();
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);

    int bad = 0;
    for (int i = first_path; i < argc; i++) {
        if (strcmp(argv[i], "--mutations") == 0 || strcmp(argv[i], "--seed") == 0 ||
            strcmp(argv[i], "--max-len") == 0) {
            i++;
            continue;
        }
        if (add_path(argv[i]) != 0)
            bad = 1;
    }
    if (bad)
        return 2;
    if (ninputs == 0) {
        fprintf(stderr, "replay: no inputs (an empty corpus tests nothing)\n");
        return 2;
    }

    double t0 = now_s();
    size_t biggest = 0;
    for (size_t i = 0; i < ninputs; i++) {
        snprintf(cur_what, sizeof cur_what, "corpus file %s", inputs[i].name);
        run_one(inputs[i].data, inputs[i].size);
        if (inputs[i].size > biggest)
            biggest = inputs[i].size;
    }
    double t1 = now_s();

    /* Room for growth, bounded so a run stays fast. */
    size_t cap = biggest * 2 + 64;
    if (cap > max_len && max_len > biggest)
        cap = max_len;
    uint8_t *buf = malloc(cap);
    AT_FUZZ_CHECK(buf != NULL, "out of memory");
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (unsigned long long m = 0; m < mutations; m++) {
        const input_t *in = &inputs[m % ninputs];
        size_t len = in->size < cap ? in->size : cap;
        memcpy(buf, in->data, len);
        len = mutate(buf, len, cap);
        snprintf(cur_what, sizeof cur_what, "mutation %llu (seed %llu) of %s", m, seed, in->name);
        run_one(buf, len);
    }
    free(buf);
    double t2 = now_s();
    printf("replay %s: %zu corpus inputs in %.2f s, %llu mutations in %.2f s\n",
           AT_FUZZ_TARGET_NAME, ninputs, t1 - t0, mutations, t2 - t1);
    for (size_t i = 0; i < ninputs; i++) {
        free(inputs[i].name);
        free(inputs[i].data);
    }
    free(inputs);
    return 0;
}
