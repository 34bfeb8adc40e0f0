/*
 * at_http: the small HTTP server behind /metrics, /healthz and /readyz,
 * on libmicrohttpd with its own internal thread, so a scrape never waits
 * for the daemon's loop and the loop never waits for a scrape.
 *
 * The listen address is "HOST:PORT": an IPv4 literal (127.0.0.1:9464), an
 * IPv6 literal in brackets ([::1]:9464), "localhost:PORT", or "*:PORT" for
 * every IPv4 interface. Port 0 picks a free port (tests); at_http_port()
 * and at_http_address() tell which. The socket is bound by at_http_new, so
 * a port in use is an error there, with the address in the message.
 *
 * Routes are exact paths answered for GET and HEAD; any other method gets
 * 405 (with Allow: GET, HEAD) and any other path 404. Handlers run on the
 * server's thread and must only read thread-safe state.
 */
#ifndef AT_HTTP_H
#define AT_HTTP_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

typedef struct at_http at_http_t;

/* Answer one request: write the body to out, set *content_type (a static
 * string; "text/plain; charset=utf-8" when left NULL), return the status
 * code (200, 503, ...). */
typedef int(at_http_fn)(void *arg, FILE *out, const char **content_type);

/* Parse a listen address into *ss / *sslen. 0, or -1 with a reason in err
 * that quotes the text and shows the expected form. */
int at_http_parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                         char *err, size_t errlen);

/* Bind and listen on `listen`; nothing is served until at_http_start.
 * Caller owns the result and must destroy it. NULL with a reason in err
 * (bad address, address in use, permission denied, ...). */
at_http_t *at_http_new(const char *listen, char *err, size_t errlen);

/* Answer GET `path` with fn(arg, ...). Call before at_http_start. At most
 * 8 routes. 0 or -1. */
int at_http_route(at_http_t *self, const char *path, at_http_fn *fn, void *arg);

/* Start the server thread (signals TERM, INT and HUP stay blocked on it,
 * so they reach the daemon's main thread). 0, or -1 with a reason. */
int at_http_start(at_http_t *self, char *err, size_t errlen);

/* The bound port, and "host:port" as bound (the port filled in). */
int at_http_port(const at_http_t *self);
const char *at_http_address(const at_http_t *self);

/* Stop the thread, close the socket. NULL-safe; nulls the pointer. */
void at_http_destroy(at_http_t **self_p);

#endif
