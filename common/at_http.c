/*
 * at_http: libmicrohttpd server for the observability endpoints. See
 * at_http.h.
 *
 * The listening socket is made here rather than by MHD: bind errors then
 * come back as errno ("Address already in use") for a clear startup error,
 * and getsockname() gives the port picked for port 0. MHD takes the socket
 * over with MHD_OPTION_LISTEN_SOCKET and closes it in MHD_stop_daemon.
 */
#include "at_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "at_log.h"

#define MAX_ROUTES 8

struct at_http {
    int fd;
    struct MHD_Daemon *mhd;
    int port;
    char address[80];
    struct {
        char *path;
        at_http_fn *fn;
        void *arg;
    } routes[MAX_ROUTES];
    size_t nroutes;
};

int at_http_parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen,
                         char *err, size_t errlen)
{
    static const char *form = "expected HOST:PORT, e.g. 127.0.0.1:9464, [::1]:9464 or *:9464";
    char host[64];
    const char *colon;
    memset(ss, 0, sizeof *ss);
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host || strchr(listen, ':') != colon)
            goto bad;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
    }
    const char *p = colon + 1;
    if (!*p || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p))
        goto bad;
    long port = strtol(p, NULL, 10);
    if (port > 65535) {
        snprintf(err, errlen, "metrics.listen '%s': port %ld is over 65535", listen, port);
        return -1;
    }
    if (listen[0] == '[') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            goto bad;
        *sslen = sizeof *a6;
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (strcmp(host, "*") == 0)
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        goto bad;
    *sslen = sizeof *a4;
    return 0;
bad:
    snprintf(err, errlen, "metrics.listen '%s': %s", listen, form);
    return -1;
}

at_http_t *at_http_new(const char *addr, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (at_http_parse_listen(addr, &ss, &sslen, err, errlen) < 0)
        return NULL;
    at_http_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (self->fd < 0 || setsockopt(self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(self->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
        bind(self->fd, (struct sockaddr *)&ss, sslen) < 0 || listen(self->fd, 16) < 0) {
        snprintf(err, errlen, "metrics.addr %s: cannot addr: %s", addr, strerror(errno));
        if (self->fd >= 0)
            close(self->fd);
        free(self);
        return NULL;
    }
    sslen = sizeof ss;
    getsockname(self->fd, (struct sockaddr *)&ss, &sslen);
    char host[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
        self->port = ntohs(a6->sin6_port);
        snprintf(self->address, sizeof self->address, "[%s]:%d", host, self->port);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
        self->port = ntohs(a4->sin_port);
        snprintf(self->address, sizeof self->address, "%s:%d", host, self->port);
    }
    return self;
}

int at_http_route(at_http_t *self, const char *path, at_http_fn *fn, void *arg)
{
    if (self->mhd || self->nroutes == MAX_ROUTES ||
        !(self->routes[self->nroutes].path = strdup(path)))
        return -1;
    self->routes[self->nroutes].fn = fn;
    self->routes[self->nroutes].arg = arg;
    self->nroutes++;
    return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, int status, const char *type, char *body,
                             size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            type ? type : "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, int status, const char *text)
{
    char *body = strdup(text);
    return reply(conn, status, NULL, body, body ? strlen(body) : 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    at_http_t *self = cls;
    /* Answer on the first call: no route takes a request body, and MHD
     * discards whatever body a client sends after the response. */
    (void)con_cls;
    if (upload_size)
        *upload_size = 0;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    for (size_t i = 0; i < self->nroutes; i++) {
        if (strcmp(url, self->routes[i].path) != 0)
            continue;
        char *body = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&body, &len);
        if (!out)
            return MHD_NO;
        const char *type = NULL;
        int status = self->routes[i].fn(self->routes[i].arg, out, &type);
        if (fclose(out) != 0) {
            free(body);
            return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        }
        return reply(conn, status, type, body, len);
    }
    return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    at_log_warn("http: %s", buf);
}

int at_http_start(at_http_t *self, char *err, size_t errlen)
{
    /* The server thread inherits this mask: TERM/INT/HUP must interrupt
     * the daemon's main loop, not land on the HTTP thread. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    self->mhd =
        MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                         on_request, self, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                         MHD_OPTION_LISTEN_SOCKET, self->fd, MHD_OPTION_CONNECTION_LIMIT,
                         (unsigned)16, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!self->mhd) {
        snprintf(err, errlen, "metrics.listen %s: cannot start the HTTP server", self->address);
        return -1;
    }
    self->fd = -1; /* MHD's now */
    return 0;
}

int at_http_port(const at_http_t *self)
{
    return self->port;
}

const char *at_http_address(const at_http_t *self)
{
    return self->address;
}

void at_http_destroy(at_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    at_http_t *self = *self_p;
    if (self->mhd)
        MHD_stop_daemon(self->mhd);
    if (self->fd >= 0)
        close(self->fd);
    for (size_t i = 0; i < self->nroutes; i++)
        free(self->routes[i].path);
    free(self);
    *self_p = NULL;
}
