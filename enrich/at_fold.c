/*
 * at_fold: NFKD + case folding + diacritic stripping with an offset map
 * (see at_fold.h). utf8proc does the Unicode work per code point; ASCII,
 * which is nearly all of English news text, takes a fast path.
 */
#include "at_fold.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Most code points a single one decomposes into (utf8proc's longest
 * compatibility decompositions are 18). */
#define MAX_DECOMP 32

static int reserve(at_fold_t *f, size_t need)
{
    if (need <= f->cap)
        return 0;
    size_t ncap = f->cap ? f->cap : 256;
    while (ncap < need)
        ncap *= 2;
    char *t = realloc(f->text, ncap);
    if (!t)
        return -1;
    f->text = t;
    uint32_t *m = realloc(f->map, ncap * sizeof *m);
    if (!m)
        return -1;
    f->map = m;
    f->cap = ncap;
    return 0;
}

/* Letters with no Unicode decomposition that news writes both ways, and
 * typographic punctuation inside names. 0 = no special mapping. */
static char special(utf8proc_int32_t cp)
{
    switch (cp) {
    case 0x0131: /* ı dotless i (Turkish) */
    case 0x0130: /* İ: folds to i + combining dot anyway; kept explicit */
        return 'i';
    case 0x0141: /* Ł */
    case 0x0142: /* ł */
        return 'l';
    case 0x00D8: /* Ø */
    case 0x00F8: /* ø */
        return 'o';
    case 0x0110: /* Đ */
    case 0x0111: /* đ */
        return 'd';
    case 0x2018: /* ‘ */
    case 0x2019: /* ’ */
    case 0x02BC: /* ʼ modifier letter apostrophe */
        return '\'';
    case 0x2010: /* ‐ hyphen */
    case 0x2011: /* ‑ non-breaking hyphen */
    case 0x2012: /* ‒ figure dash */
    case 0x2013: /* – en dash */
        return '-';
    default:
        return 0;
    }
}

static void put(at_fold_t *f, char c, uint32_t origin)
{
    f->text[f->len] = c;
    f->map[f->len] = origin;
    f->len++;
}

int at_fold(at_fold_t *f, const char *text, size_t len)
{
    f->len = 0;
    if (len > AT_FOLD_MAX_INPUT || reserve(f, len + 1) < 0) {
        if (f->text)
            f->text[0] = '\0';
        return -1;
    }
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        /* Runs of 8 ASCII bytes at a time: lower-case and map in a loop
         * the compiler vectorizes (most of English news text). */
        while (i + 8 <= len && f->len + 9 <= f->cap) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (x & 0x8080808080808080ull)
                break;
            char *o = f->text + f->len;
            uint32_t *m = f->map + f->len;
            for (int k = 0; k < 8; k++) {
                unsigned char c = s[i + k];
                o[k] = (char)(c + (((unsigned char)(c - 'A') < 26) << 5));
                m[k] = (uint32_t)(i + (size_t)k);
            }
            f->len += 8;
            i += 8;
        }
        if (i >= len)
            break;
        unsigned char b = s[i];
        if (b < 0x80) {
            /* ASCII: one byte in, one byte out; the initial reserve
             * covers it unless earlier code points expanded. */
            if (f->len + 1 >= f->cap && reserve(f, f->len + 2) < 0)
                goto oom;
            put(f, (char)(b >= 'A' && b <= 'Z' ? b + 32 : b), (uint32_t)i);
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            /* Invalid UTF-8: copy the byte; it stays a non-ASCII byte,
             * which the matcher treats as part of a word. */
            if (reserve(f, f->len + 2) < 0)
                goto oom;
            put(f, (char)b, (uint32_t)i);
            i++;
            continue;
        }
        char sp = special(cp);
        if (sp) {
            if (reserve(f, f->len + 2) < 0)
                goto oom;
            put(f, sp, (uint32_t)i);
            i += (size_t)n;
            continue;
        }
        utf8proc_int32_t out[MAX_DECOMP];
        int boundclass = 0;
        utf8proc_ssize_t k =
            utf8proc_decompose_char(cp, out, MAX_DECOMP,
                                    UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
                                        UTF8PROC_STRIPMARK | UTF8PROC_IGNORE,
                                    &boundclass);
        if (k < 0 || k > MAX_DECOMP) {
            /* Cannot happen for a valid code point; keep the bytes. */
            out[0] = cp;
            k = 1;
        }
        if (reserve(f, f->len + (size_t)k * 4 + 1) < 0)
            goto oom;
        for (utf8proc_ssize_t j = 0; j < k; j++) {
            utf8proc_uint8_t enc[4];
            utf8proc_ssize_t m = utf8proc_encode_char(out[j], enc);
            for (utf8proc_ssize_t e = 0; e < m; e++)
                put(f, (char)enc[e], (uint32_t)i);
        }
        i += (size_t)n;
    }
    f->text[f->len] = '\0';
    f->map[f->len] = (uint32_t)len;
    return 0;
oom:
    f->len = 0;
    f->text[0] = '\0';
    return -1;
}

void at_fold_free(at_fold_t *f)
{
    free(f->text);
    free(f->map);
    memset(f, 0, sizeof *f);
}

char *at_fold_str(const char *s, size_t len, size_t *outlen)
{
    at_fold_t f = {0};
    if (at_fold(&f, s, len) < 0) {
        at_fold_free(&f);
        return NULL;
    }
    free(f.map);
    if (outlen)
        *outlen = f.len;
    return f.text;
}
