/*
 * fuzz_url: at_url, which resolves and canonicalizes every link a feed
 * carries (item links, enclosures, xml:base values, the feed URL).
 *
 * Input: "BASE\nREF" (no newline: no base, the whole input is the
 * reference). The base is used as given, so it may be anything too.
 *
 * Checks (at_url.h): a resolved URL is http(s), within AT_URL_MAX_LEN,
 * printable ASCII except for a host in valid UTF-8, and has a host; the
 * canonical URL exists exactly when the resolved one does, equals the
 * canonical form of the resolved one, is a fixed point, has no fragment,
 * no user info, no tracking parameter and no uppercase in its host, and
 * gives a 32-hex item id.
 */
#include <string.h>

#include "at_fuzz.h"
#include "at_url.h"

/* Valid UTF-8 (Unicode table 3-7). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (i + k >= n || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        i += k + 1;
    }
    return 1;
}

static void check_url(const char *what, const char *u)
{
    AT_FUZZ_CHECK(strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0,
                  "%s not http(s): %s", what, u);
    AT_FUZZ_CHECK(strlen(u) <= AT_URL_MAX_LEN, "%s too long", what);
    /* Printable ASCII, except an internationalized host in UTF-8. */
    const char *auth = strstr(u, "://") + 3;
    size_t alen = strcspn(auth, "/?#");
    AT_FUZZ_CHECK(utf8_ok((const unsigned char *)auth, alen), "%s host is not UTF-8: %s", what, u);
    for (const unsigned char *c = (const unsigned char *)u; *c; c++) {
        int in_auth = (const char *)c >= auth && (const char *)c < auth + alen;
        AT_FUZZ_CHECK(*c > 0x20 && *c != 0x7f && (*c < 0x80 || in_auth), "%s has byte 0x%02x: %s",
                      what, *c, u);
    }
    char *host = at_url_host(u);
    AT_FUZZ_CHECK(host != NULL && host[0], "%s has no host: %s", what, u);
    free(host);
}

static void check_canonical(const char *c)
{
    check_url("canonical", c);
    AT_FUZZ_CHECK(strchr(c, '#') == NULL, "fragment kept: %s", c);
    const char *auth = strstr(c, "://") + 3;
    size_t alen = strcspn(auth, "/?#");
    AT_FUZZ_CHECK(memchr(auth, '@', alen) == NULL, "user info kept: %s", c);
    for (size_t i = 0; i < alen; i++)
        AT_FUZZ_CHECK(!(auth[i] >= 'A' && auth[i] <= 'Z'), "uppercase host: %s", c);
    const char *q = strchr(c, '?');
    if (q) {
        q++;
        AT_FUZZ_CHECK(*q, "empty query kept: %s", c);
        while (*q) {
            size_t len = strcspn(q, "&");
            size_t nlen = strcspn(q, "=&");
            AT_FUZZ_CHECK(len > 0, "empty parameter kept: %s", c);
            AT_FUZZ_CHECK(!at_url_is_tracking_param(q, nlen), "tracking parameter kept: %s", c);
            q += len;
            if (*q == '&')
                q++;
        }
    }
    char *again = at_url_canonical(NULL, c);
    AT_FUZZ_CHECK(again && strcmp(again, c) == 0, "not a fixed point: %s -> %s", c,
                  again ? again : "NULL");
    free(again);
    char id[33];
    at_url_item_id(c, id, sizeof id);
    AT_FUZZ_CHECK(strlen(id) == 32, "id length %zu", strlen(id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = at_fuzz_strndup(data, size);
    char *nl = strchr(in, '\n');
    const char *base = NULL, *ref = in;
    if (nl) {
        *nl = '\0';
        base = in;
        ref = nl + 1;
    }
    char *res = at_url_resolve(base, ref);
    char *can = at_url_canonical(base, ref);
    AT_FUZZ_CHECK(!res == !can, "resolve %s but canonical %s", res ? "succeeded" : "failed",
                  can ? "succeeded" : "failed");
    if (res) {
        check_url("resolved", res);
        check_canonical(can);
        char *via = at_url_canonical(NULL, res);
        AT_FUZZ_CHECK(via && strcmp(via, can) == 0,
                      "canonical(resolve(b, r)) %s != canonical(b, r) %s", via ? via : "NULL", can);
        free(via);
    }
    at_url_is_tracking_param(ref, strlen(ref));
    free(res);
    free(can);
    free(in);
    return 0;
}
