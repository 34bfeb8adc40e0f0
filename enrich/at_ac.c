/*
 * at_ac: Aho–Corasick compiled to a DFA over byte classes (see at_ac.h).
 *
 * Build: the patterns' bytes define the classes. The patterns are sorted,
 * so the trie is grown without a lookup structure: each pattern shares the
 * path of its longest common prefix with the one before. A breadth-first
 * pass then sets each state's failure link and a "dictionary link" to the
 * nearest failure-chain state that has outputs (patterns ending exactly
 * there), so a scan visits only states that really report something.
 *
 * Dense and deep states (docs/enrich-bench.md, session 10). The states up
 * to dense_depth bytes from the root (AT_AC_DENSE_DEPTH by default) get a
 * full row: every missing transition is filled from the failure state's
 * row, which makes them a DFA, one load per byte. Deeper states keep only
 * their trie children and failure link: a byte that is not a child walks
 * the failure chain to the first state that has the child or a row. A
 * full table for every state (what at_ac held until session 9) grows with
 * states × classes, 18 MB for the 7,424 spellings of session 9, and its
 * build was most of a data load; yet a scan of news text spends only a few
 * per cent of its bytes deeper than five bytes into some spelling.
 *
 * Scan speed: the states are renumbered so that the dense states that
 * report nothing come first, then the dense ones that report, then the
 * deep ones; the table holds a target's code: a dense state's row offset
 * (state × classes), a deep state's number after the last row. The scan
 * loop is then one compare (dense?) and one load per byte, and one compare
 * against the first state that may report: no multiply and no second table
 * lookup on the dependency chain from one byte to the next. The
 * renumbering rewrites the table in place rather than into a second one,
 * so a compile's peak memory is one table, not two.
 *
 * That chain (one load whose address depends on the previous load) is
 * what bounds a scan, not memory bandwidth. So a long text is scanned as
 * two halves at once, two independent chains whose loads overlap: the
 * first half from its start, the second from maxlen - 1 bytes before the
 * middle (so every occurrence that ends in the second half is seen whole),
 * reporting only occurrences that end there. The second half's reports
 * are held back (the reporting state and position, a small fixed buffer)
 * until the first half is done, so occurrences still come in order of
 * their end offset.
 */
#include "at_ac.h"

#include <stdlib.h>
#include <string.h>

struct at_ac {
    /* patterns, as added */
    char *arena;
    size_t arena_len, arena_cap;
    size_t *off;
    uint32_t *len, *val;
    size_t npat, pat_cap;
    /* the automaton */
    int compiled;
    unsigned dense_depth; /* states up to this depth get a full row */
    uint8_t cls[256];
    uint32_t ncls;
    uint32_t *delta;    /* ndense * ncls: code of the target state */
    uint32_t nstates;   /* all states: ids [0, ndense) dense, then deep */
    uint32_t ndense;    /* states with a row in delta */
    uint32_t dense_end; /* ndense * ncls: a code at or above is a deep state */
    uint32_t report;    /* code of the first state that may report */
    uint32_t maxlen;    /* longest pattern */
    uint32_t *dfirst;   /* per deep state + 1: its children in dcls/dchild */
    uint8_t *dcls;      /* per trie edge out of a deep state: its class */
    uint32_t *dchild;   /* ... and the child's code */
    uint32_t *dfail;    /* per deep state: code of its failure state */
    int32_t *own;       /* per state id: first pattern ending here, -1 */
    int32_t *next;      /* per pattern: next pattern with the same end state */
    int32_t *dict;      /* per state id: nearest suffix state with outputs, -1 */
};

at_ac_t *at_ac_new(void)
{
    at_ac_t *self = calloc(1, sizeof(at_ac_t));
    if (self)
        self->dense_depth = AT_AC_DENSE_DEPTH;
    return self;
}

void at_ac_destroy(at_ac_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_ac_t *self = *self_p;
    free(self->arena);
    free(self->off);
    free(self->len);
    free(self->val);
    free(self->delta);
    free(self->dfirst);
    free(self->dcls);
    free(self->dchild);
    free(self->dfail);
    free(self->own);
    free(self->next);
    free(self->dict);
    free(self);
    *self_p = NULL;
}

int at_ac_set_dense_depth(at_ac_t *self, unsigned depth)
{
    if (!self || self->compiled)
        return -1;
    self->dense_depth = depth;
    return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

int at_ac_add(at_ac_t *self, const char *pattern, size_t len, uint32_t value)
{
    if (!self || self->compiled || len == 0 || len > AT_AC_MAX_PATTERN)
        return -1;
    size_t acap = self->arena_cap;
    if (grow((void **)&self->arena, &acap, self->arena_len + len, 1) < 0)
        return -1;
    self->arena_cap = acap;
    if (self->npat == self->pat_cap) {
        size_t n = self->pat_cap ? self->pat_cap * 2 : 64;
        size_t *off = realloc(self->off, n * sizeof *off);
        if (!off)
            return -1;
        self->off = off;
        uint32_t *l = realloc(self->len, n * sizeof *l);
        if (!l)
            return -1;
        self->len = l;
        uint32_t *v = realloc(self->val, n * sizeof *v);
        if (!v)
            return -1;
        self->val = v;
        self->pat_cap = n;
    }
    memcpy(self->arena + self->arena_len, pattern, len);
    self->off[self->npat] = self->arena_len;
    self->len[self->npat] = (uint32_t)len;
    self->val[self->npat] = value;
    self->arena_len += len;
    self->npat++;
    return 0;
}

/* A pattern while the trie is built: sorted by bytes, then by the order
 * it was added in (so the same bytes added twice keep that order). */
typedef struct {
    const unsigned char *s;
    uint32_t len, idx;
} item_t;

static int cmp_item(const void *a, const void *b)
{
    const item_t *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The compile's scratch: the trie by node (in the order the sorted
 * patterns create them), its children lists, and the breadth-first order. */
typedef struct {
    int32_t *parent;  /* per node */
    uint8_t *pcls;    /* per node: class of the edge from its parent */
    int32_t *own;     /* per node: first pattern ending here */
    int32_t *fail;    /* per node: failure node */
    int32_t *dict;    /* per node: dictionary link */
    uint32_t *cfirst; /* per node + 1: its children in clist */
    int32_t *clist;
    int32_t *bfs;   /* breadth-first order of the nodes */
    uint32_t *pos;  /* per node: its place in bfs */
    int32_t *newid; /* per node: its final state id */
    int32_t *rows;  /* ndense * ncls: target node, dense nodes by bfs place */
} build_t;

static void build_free(build_t *b)
{
    free(b->parent);
    free(b->pcls);
    free(b->own);
    free(b->fail);
    free(b->dict);
    free(b->cfirst);
    free(b->clist);
    free(b->bfs);
    free(b->pos);
    free(b->newid);
    free(b->rows);
}

/* The code the scan uses for state id: a dense state's row offset, a deep
 * state's number after the last row (state_of is the inverse). */
static uint32_t code_of(int32_t id, uint32_t ndense, size_t ncls)
{
    uint32_t u = (uint32_t)id;
    return u < ndense ? u * (uint32_t)ncls : ndense * (uint32_t)ncls + (u - ndense);
}

/* The DFA's transition from node t on class c while it is built: a dense
 * node's row, else t's own child, else the failure node's transition. */
static int32_t build_step(const build_t *b, uint32_t ndense, size_t ncls, int32_t t, uint32_t c)
{
    for (;;) {
        if (b->pos[t] < ndense)
            return b->rows[(size_t)b->pos[t] * ncls + c];
        for (uint32_t e = b->cfirst[t]; e < b->cfirst[t + 1]; e++)
            if (b->pcls[b->clist[e]] == c)
                return b->clist[e];
        t = b->fail[t];
    }
}

/* The trie: patterns sorted, each one's path shares its longest common
 * prefix with the one before. Returns the node count, or 0 on OOM. */
static uint32_t build_trie(at_ac_t *self, build_t *b, int32_t *next)
{
    size_t np = self->npat;
    item_t *items = malloc((np ? np : 1) * sizeof *items);
    int32_t *path = malloc((self->maxlen + 1) * sizeof *path);
    if (!items || !path) {
        free(items);
        free(path);
        return 0;
    }
    for (size_t p = 0; p < np; p++)
        items[p] =
            (item_t){(const unsigned char *)self->arena + self->off[p], self->len[p], (uint32_t)p};
    qsort(items, np, sizeof *items, cmp_item);
    uint32_t n = 1;
    b->parent[0] = -1;
    b->pcls[0] = 0;
    b->own[0] = -1;
    path[0] = 0;
    const item_t *prev = NULL;
    for (size_t k = 0; k < np; k++) {
        const item_t *it = &items[k];
        uint32_t lcp = 0;
        if (prev)
            while (lcp < it->len && lcp < prev->len && it->s[lcp] == prev->s[lcp])
                lcp++;
        int32_t st = path[lcp];
        for (uint32_t i = lcp; i < it->len; i++) {
            b->parent[n] = st;
            b->pcls[n] = self->cls[it->s[i]];
            b->own[n] = -1;
            st = (int32_t)n++;
            path[i + 1] = st;
        }
        next[it->idx] = b->own[st];
        b->own[st] = (int32_t)it->idx;
        prev = it;
    }
    free(items);
    free(path);
    return n;
}

int at_ac_compile(at_ac_t *self)
{
    if (!self || self->compiled)
        return -1;
    /* Byte classes: 0 for bytes in no pattern, 1..k for the others. When
     * every byte value is in some pattern, 0xff's number wraps to 0, which
     * no other byte has then (test_all_byte_values). */
    memset(self->cls, 0, sizeof self->cls);
    uint8_t used[256] = {0};
    for (size_t i = 0; i < self->arena_len; i++)
        used[(unsigned char)self->arena[i]] = 1;
    uint32_t k = 0;
    for (int b = 0; b < 256; b++)
        if (used[b])
            self->cls[b] = (uint8_t)++k;
    self->ncls = k + 1;
    self->maxlen = 0;
    for (size_t p = 0; p < self->npat; p++)
        if (self->len[p] > self->maxlen)
            self->maxlen = self->len[p];

    size_t max_states = 1 + self->arena_len;
    size_t ncls = self->ncls;
    build_t b = {0};
    int32_t *next = malloc((self->npat ? self->npat : 1) * sizeof *next);
    b.parent = malloc(max_states * sizeof *b.parent);
    b.pcls = malloc(max_states);
    b.own = malloc(max_states * sizeof *b.own);
    if (!next || !b.parent || !b.pcls || !b.own)
        goto oom;
    uint32_t nstates = build_trie(self, &b, next);
    if (!nstates)
        goto oom;

    /* Children lists (a counting sort by parent), then breadth first. */
    b.cfirst = calloc((size_t)nstates + 1, sizeof *b.cfirst);
    b.clist = malloc(nstates * sizeof *b.clist);
    b.bfs = malloc(nstates * sizeof *b.bfs);
    b.pos = malloc(nstates * sizeof *b.pos);
    b.fail = malloc(nstates * sizeof *b.fail);
    b.dict = malloc(nstates * sizeof *b.dict);
    b.newid = malloc(nstates * sizeof *b.newid);
    uint32_t *depth = malloc(nstates * sizeof *depth);
    if (!b.cfirst || !b.clist || !b.bfs || !b.pos || !b.fail || !b.dict || !b.newid || !depth) {
        free(depth);
        goto oom;
    }
    for (uint32_t x = 1; x < nstates; x++)
        b.cfirst[b.parent[x] + 1]++;
    for (uint32_t x = 0; x < nstates; x++)
        b.cfirst[x + 1] += b.cfirst[x];
    memcpy(b.pos, b.cfirst, nstates * sizeof *b.pos); /* pos as fill cursors for now */
    for (uint32_t x = 1; x < nstates; x++)
        b.clist[b.pos[b.parent[x]]++] = (int32_t)x;
    uint32_t tail = 1, ndense = 0;
    b.bfs[0] = 0;
    depth[0] = 0;
    for (uint32_t q = 0; q < tail; q++) {
        int32_t s = b.bfs[q];
        b.pos[s] = q;
        if (depth[s] <= self->dense_depth)
            ndense = q + 1; /* depths only grow along bfs */
        for (uint32_t e = b.cfirst[s]; e < b.cfirst[s + 1]; e++) {
            depth[b.clist[e]] = depth[s] + 1;
            b.bfs[tail++] = b.clist[e];
        }
    }
    free(depth);
    if ((uint64_t)ndense * ncls + (nstates - ndense) > UINT32_MAX)
        goto oom;

    /* Failure and dictionary links, and the dense rows, breadth first: a
     * node's failure node is shallower, so its row or links are ready. */
    b.rows = malloc((size_t)ndense * ncls * sizeof *b.rows);
    if (!b.rows)
        goto oom;
    b.fail[0] = 0;
    b.dict[0] = -1;
    for (uint32_t q = 0; q < nstates; q++) {
        int32_t s = b.bfs[q];
        if (q < ndense) {
            int32_t *row = &b.rows[(size_t)q * ncls];
            if (s == 0)
                memset(row, 0, ncls * sizeof *row);
            else
                memcpy(row, &b.rows[(size_t)b.pos[b.fail[s]] * ncls], ncls * sizeof *row);
            for (uint32_t e = b.cfirst[s]; e < b.cfirst[s + 1]; e++)
                row[b.pcls[b.clist[e]]] = b.clist[e];
        }
        for (uint32_t e = b.cfirst[s]; e < b.cfirst[s + 1]; e++) {
            int32_t t = b.clist[e];
            int32_t f = s == 0 ? 0 : build_step(&b, ndense, ncls, b.fail[s], b.pcls[t]);
            b.fail[t] = f;
            b.dict[t] = b.own[f] >= 0 ? f : b.dict[f];
        }
    }

    /* Final ids: dense states without outputs first (the root stays 0),
     * then the dense reporting ones, each group breadth first so that the
     * shallow states, where a scan spends most of its bytes, share few
     * cache lines; then the deep states, breadth first. */
    uint32_t quiet = 0;
    for (uint32_t q = 0; q < ndense; q++)
        if (b.own[b.bfs[q]] < 0 && b.dict[b.bfs[q]] < 0)
            b.newid[b.bfs[q]] = (int32_t)quiet++;
    uint32_t loud = quiet;
    for (uint32_t q = 0; q < ndense; q++)
        if (b.own[b.bfs[q]] >= 0 || b.dict[b.bfs[q]] >= 0)
            b.newid[b.bfs[q]] = (int32_t)loud++;
    for (uint32_t q = ndense; q < nstates; q++)
        b.newid[b.bfs[q]] = (int32_t)q;
    uint32_t dense_end = ndense * (uint32_t)ncls;

    uint32_t ndeep = nstates - ndense;
    int32_t *own2 = malloc(nstates * sizeof *own2);
    int32_t *dict2 = malloc(nstates * sizeof *dict2);
    uint32_t *spare = malloc(ncls * sizeof *spare);
    uint8_t *placed = calloc(ndense ? ndense : 1, 1);
    uint32_t *dfirst = malloc(((size_t)ndeep + 1) * sizeof *dfirst);
    uint8_t *dcls = malloc(nstates);
    uint32_t *dchild = malloc(nstates * sizeof *dchild);
    uint32_t *dfail = malloc((ndeep ? ndeep : 1) * sizeof *dfail);
    if (!own2 || !dict2 || !spare || !placed || !dfirst || !dcls || !dchild || !dfail) {
        free(own2);
        free(dict2);
        free(spare);
        free(placed);
        free(dfirst);
        free(dcls);
        free(dchild);
        free(dfail);
        goto oom;
    }
    for (uint32_t x = 0; x < nstates; x++) {
        own2[b.newid[x]] = b.own[x];
        dict2[b.newid[x]] = b.dict[x] < 0 ? -1 : b.newid[b.dict[x]];
    }
    /* The deep states: their children and failure states, as codes. */
    uint32_t ne = 0;
    for (uint32_t d = 0; d < ndeep; d++) {
        int32_t s = b.bfs[ndense + d];
        dfirst[d] = ne;
        for (uint32_t e = b.cfirst[s]; e < b.cfirst[s + 1]; e++) {
            dcls[ne] = b.pcls[b.clist[e]];
            dchild[ne++] = code_of(b.newid[b.clist[e]], ndense, ncls);
        }
        dfail[d] = code_of(b.newid[b.fail[s]], ndense, ncls);
    }
    dfirst[ndeep] = ne;
    /* The dense table is the rows rewritten in place: each target becomes
     * its code, then each row moves to its final place, following the
     * renumbering's cycles with one spare row. */
    uint32_t *table = (uint32_t *)b.rows;
    size_t cells = (size_t)ndense * ncls;
    for (size_t i = 0; i < cells; i++)
        table[i] = code_of(b.newid[b.rows[i]], ndense, ncls);
    for (uint32_t q = 0; q < ndense; q++) {
        if (placed[q])
            continue;
        memcpy(spare, &table[(size_t)q * ncls], ncls * sizeof *spare);
        uint32_t cur = q;
        do {
            /* spare holds the row at bfs place `cur`: put it at its final
             * place and pick up the row it displaces. */
            uint32_t dst = (uint32_t)b.newid[b.bfs[cur]];
            uint32_t *row = &table[(size_t)dst * ncls];
            for (size_t c = 0; c < ncls; c++) {
                uint32_t t = row[c];
                row[c] = spare[c];
                spare[c] = t;
            }
            placed[cur] = 1;
            cur = dst;
        } while (cur != q);
    }
    free(spare);
    free(placed);
    b.rows = NULL;
    build_free(&b);
    self->delta = table;
    self->dfirst = dfirst;
    self->dcls = dcls;
    self->dchild = dchild;
    self->dfail = dfail;
    self->own = own2;
    self->dict = dict2;
    self->next = next;
    self->nstates = nstates;
    self->ndense = ndense;
    self->dense_end = dense_end;
    self->report = quiet * (uint32_t)ncls;
    self->compiled = 1;
    return 0;
oom:
    build_free(&b);
    free(next);
    return -1;
}

/* A deep state's transition on class c: its own child, else its failure
 * state's transition (a dense state's row ends the walk). */
static uint32_t deep_step(const at_ac_t *self, uint32_t code, uint32_t c)
{
    for (;;) {
        uint32_t d = code - self->dense_end;
        for (uint32_t e = self->dfirst[d]; e < self->dfirst[d + 1]; e++)
            if (self->dcls[e] == c)
                return self->dchild[e];
        code = self->dfail[d];
        if (code < self->dense_end)
            return self->delta[code + c];
    }
}

/* One byte: the dense row (the common case), or the deep walk. */
static inline uint32_t step(const at_ac_t *self, const uint32_t *delta, uint32_t dense_end,
                            uint32_t code, uint32_t c)
{
    if (__builtin_expect(code < dense_end, 1))
        return delta[code + c];
    return deep_step(self, code, c);
}

/* The state id of a code. */
static inline int32_t state_of(const at_ac_t *self, uint32_t code)
{
    return (int32_t)(code < self->dense_end ? code / self->ncls
                                            : self->ndense + (code - self->dense_end));
}

/* Whether the state at `code` (at or above self->report) reports anything:
 * every dense one there does; a deep one may not. */
static inline int loud(const at_ac_t *self, uint32_t code)
{
    if (code < self->dense_end)
        return 1;
    int32_t st = state_of(self, code);
    return self->own[st] >= 0 || self->dict[st] >= 0;
}

/* The outputs of the state at `code` (at or above self->report), after
 * byte i. */
static size_t report(const at_ac_t *self, uint32_t code, size_t i, at_ac_fn *fn, void *arg)
{
    size_t found = 0;
    int32_t st = state_of(self, code);
    for (int32_t t = self->own[st] >= 0 ? st : self->dict[st]; t >= 0; t = self->dict[t]) {
        for (int32_t p = self->own[t]; p >= 0; p = self->next[p]) {
            found++;
            if (fn)
                fn(arg, i + 1, self->len[p], self->val[p]);
        }
    }
    return found;
}

/* Sequential scan of s[from, to) starting in state `row`; reports only
 * occurrences ending after byte `min_end` - 1 (at index >= min_end). */
static size_t scan_run(const at_ac_t *self, const unsigned char *s, size_t from, size_t to,
                       uint32_t *rowp, size_t min_end, at_ac_fn *fn, void *arg)
{
    const uint32_t *delta = self->delta;
    const uint8_t *cls = self->cls;
    const uint32_t first = self->report, dense_end = self->dense_end;
    uint32_t row = *rowp;
    size_t found = 0;
    for (size_t i = from; i < to; i++) {
        row = step(self, delta, dense_end, row, cls[s[i]]);
        if (__builtin_expect(row >= first, 0) && i >= min_end)
            found += report(self, row, i, fn, arg);
    }
    *rowp = row;
    return found;
}

/* Reports of the second half held back while the first half runs. */
#define HELD 256
typedef struct {
    size_t i;
    uint32_t row;
} held_t;

size_t at_ac_scan(const at_ac_t *self, const char *text, size_t len, at_ac_fn *fn, void *arg)
{
    if (!self || !self->compiled)
        return 0;
    const unsigned char *s = (const unsigned char *)text;
    uint32_t ra = 0, rb = 0;
    /* Short texts: one chain (the second would mostly re-read the first). */
    if (self->maxlen == 0 || len < 256 || len / 2 < 4 * (size_t)self->maxlen)
        return scan_run(self, s, 0, len, &ra, 0, fn, arg);
    const uint32_t *delta = self->delta;
    const uint8_t *cls = self->cls;
    const uint32_t first = self->report, dense_end = self->dense_end;
    size_t mid = len / 2, b0 = mid - (self->maxlen - 1);
    held_t held[HELD];
    size_t nheld = 0, found = 0, k = 0;
    /* Both chains: a at k in [0, mid), b at b0 + k. */
    for (; k < mid && nheld < HELD; k++) {
        ra = step(self, delta, dense_end, ra, cls[s[k]]);
        rb = step(self, delta, dense_end, rb, cls[s[b0 + k]]);
        if (__builtin_expect(ra >= first, 0))
            found += report(self, ra, k, fn, arg);
        if (__builtin_expect(rb >= first, 0) && b0 + k >= mid && loud(self, rb))
            held[nheld++] = (held_t){b0 + k, rb};
    }
    /* The rest of the first half (when the buffer filled), the held
     * reports, then the rest of the second half. */
    found += scan_run(self, s, k, mid, &ra, 0, fn, arg);
    for (size_t h = 0; h < nheld; h++)
        found += report(self, held[h].row, held[h].i, fn, arg);
    found += scan_run(self, s, b0 + k, len, &rb, mid, fn, arg);
    return found;
}

size_t at_ac_pattern_count(const at_ac_t *self)
{
    return self ? self->npat : 0;
}

size_t at_ac_state_count(const at_ac_t *self)
{
    return self ? self->nstates : 0;
}

size_t at_ac_dense_count(const at_ac_t *self)
{
    return self ? self->ndense : 0;
}

size_t at_ac_class_count(const at_ac_t *self)
{
    return self ? self->ncls : 0;
}

size_t at_ac_memory(const at_ac_t *self)
{
    if (!self)
        return 0;
    size_t ndeep = self->nstates - self->ndense;
    return sizeof *self + self->arena_cap + self->pat_cap * (sizeof(size_t) + 8) +
           (size_t)self->ndense * self->ncls * sizeof(uint32_t) +
           (size_t)self->nstates * (2 * sizeof(int32_t) + 1 + sizeof(uint32_t)) +
           (ndeep + 1) * sizeof(uint32_t) + ndeep * sizeof(uint32_t) + self->npat * sizeof(int32_t);
}
