/*
 * Tests for at_http: listen-address parsing (good and malformed), port 0
 * with the bound port reported, a port already in use, and real HTTP
 * requests over loopback: routes with their status and content type, HEAD,
 * 404 for other paths, 405 with Allow for other methods.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "at_http.h"

static void test_parse_listen(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    char err[256];
    assert_int_equal(at_http_parse_listen("127.0.0.1:9464", &ss, &len, err, sizeof err), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9464);
    assert_int_equal(at_http_parse_listen("[::1]:0", &ss, &len, err, sizeof err), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(at_http_parse_listen("*:80", &ss, &len, err, sizeof err), 0);
    assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(INADDR_ANY));
    assert_int_equal(at_http_parse_listen("localhost:1", &ss, &len, err, sizeof err), 0);
    const char *bad[] = {
        "9464",           "127.0.0.1", "127.0.0.1:",      "127.0.0.1:x",     "127.0.0.1:-1",
        "300.1.1.1:80",   "::1:80",    "[::1]80",         "[::1:80",         "[nothost]:80",
        "example.org:80", ":80",       "127.0.0.1:9464 ", "127.0.0.1:123456"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(at_http_parse_listen(bad[i], &ss, &len, err, sizeof err), -1);
        assert_non_null(strstr(err, "metrics.listen"));
    }
    assert_int_equal(at_http_parse_listen("1.2.3.4:70000", &ss, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "over 65535"));
    assert_int_equal(at_http_parse_listen("nonsense", &ss, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "HOST:PORT"));
}

static int hello(void *arg, FILE *out, const char **type)
{
    int *calls = arg;
    (*calls)++;
    fprintf(out, "hello %d\n", *calls);
    *type = "text/x-test";
    return 200;
}

static int unavailable(void *arg, FILE *out, const char **type)
{
    (void)arg;
    (void)type;
    fputs("not ready: input\n", out);
    return 503;
}

/* Send `req` as is; returns the whole response (caller frees). */
static char *raw_request(int port, const char *req)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof a), 0);
    size_t n = strlen(req), off = 0;
    while (off < n) {
        ssize_t w = write(s, req + off, n - off);
        if (w <= 0)
            break; /* the server may close on a request it refuses */
        off += (size_t)w;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(s, buf + len, cap - len - 1)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    close(s);
    return buf;
}

/* One HTTP/1.0 request; returns the whole response (caller frees). */
static char *request(int port, const char *method, const char *path)
{
    char req[256];
    snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nHost: x\r\n\r\n", method, path);
    return raw_request(port, req);
}

static void test_serve(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN); /* the server may close before we finish writing */
    char err[256];
    at_http_t *h = at_http_new("127.0.0.1:0", err, sizeof err);
    assert_non_null(h);
    int port = at_http_port(h);
    assert_true(port > 0);
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d", port);
    assert_string_equal(at_http_address(h), want);
    int calls = 0;
    assert_int_equal(at_http_route(h, "/hello", hello, &calls), 0);
    assert_int_equal(at_http_route(h, "/ready", unavailable, NULL), 0);

    /* The same port again: a clear error naming the address. */
    at_http_t *dup = at_http_new(want, err, sizeof err);
    assert_null(dup);
    assert_non_null(strstr(err, "Address already in use"));
    assert_non_null(strstr(err, want));

    assert_int_equal(at_http_start(h, err, sizeof err), 0);
    assert_int_equal(at_http_route(h, "/late", hello, &calls), -1);

    char *r = request(port, "GET", "/hello");
    assert_non_null(strstr(r, " 200 "));
    assert_non_null(strstr(r, "Content-Type: text/x-test\r\n"));
    assert_non_null(strstr(r, "\r\n\r\nhello 1\n"));
    free(r);
    r = request(port, "HEAD", "/hello");
    assert_non_null(strstr(r, " 200 "));
    assert_null(strstr(r, "hello 2")); /* no body for HEAD */
    free(r);
    r = request(port, "GET", "/ready");
    assert_non_null(strstr(r, " 503 "));
    assert_non_null(strstr(r, "not ready: input"));
    free(r);
    r = request(port, "GET", "/nope");
    assert_non_null(strstr(r, " 404 "));
    free(r);
    r = request(port, "GET", "/hello/extra");
    assert_non_null(strstr(r, " 404 "));
    free(r);
    r = request(port, "POST", "/hello");
    assert_non_null(strstr(r, " 405 "));
    assert_non_null(strstr(r, "Allow: GET, HEAD\r\n"));
    free(r);
    r = request(port, "DELETE", "/nope");
    assert_non_null(strstr(r, " 405 "));
    free(r);
    /* Hostile requests: garbage, an over-long URL. The server answers
     * (or closes) and keeps serving. */
    r = raw_request(port, "GARBAGE\r\n\r\n");
    assert_null(strstr(r, " 200 "));
    free(r);
    char *longreq = malloc(200000);
    memset(longreq, 'a', 200000);
    memcpy(longreq, "GET /", 5);
    memcpy(longreq + 200000 - 15, " HTTP/1.0\r\n\r\n", 14);
    longreq[200000 - 1] = '\0';
    r = raw_request(port, longreq);
    assert_null(strstr(r, " 200 "));
    free(r);
    free(longreq);
    r = request(port, "GET", "/hello");
    assert_non_null(strstr(r, " 200 "));
    free(r);
    assert_int_equal(calls, 3);
    at_http_destroy(&h);
    assert_null(h);
    at_http_destroy(&h);

    /* The port is free again once the server is gone. */
    h = at_http_new(want, err, sizeof err);
    assert_non_null(h);
    at_http_destroy(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_listen),
        cmocka_unit_test(test_serve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
