/*
 * attache: the command-line front end.
 *
 *   attache run      the three daemons as separate processes, end to end
 *   attache enrich   NewsItem JSON lines in, Event JSON lines out (a filter)
 *   attache decode   protobuf messages to JSON
 *   attache feed     feed documents to normalized items (JSON lines)
 *   attache feeds    feed polling state
 *   attache data     reference data: 'data check' validates the tables
 *   attache kafka-mock  librdkafka's mock Kafka cluster (tests, newcomers)
 *   attache tail     watch a sink's PUB output as JSON lines
 *   attache query    canned monitor queries on the SQLite sink
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "at_json.h"
#include "at_version.h"
#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: attache COMMAND [OPTIONS]\n"
                 "Monitor world news for legal and political signals.\n\n"
                 "Commands:\n"
                 "  run       run ingest -> enrich -> sink as three processes on loopback\n"
                 "  enrich    filter: NewsItem JSON lines on stdin, Event JSON lines on stdout\n"
                 "  decode    print attache protobuf messages (file or endpoint) as JSON\n"
                 "  feed      parse RSS/Atom/JSON Feed files or URLs and print the items\n"
                 "  feeds     'feeds status': each feed's polling state from ingest.state\n"
                 "  data      'data check [DIR]': validate the reference data tables\n"
                 "  kafka-mock  start a mock Kafka cluster on loopback (tests, trying it out)\n"
                 "  tail      subscribe to attache-sink's PUB output and print events\n"
                 "  query     canned monitor queries on the SQLite sink (alerts, events, ...)\n"
                 "  version   print the version and the reference data's as-of date\n\n"
                 "Run 'attache COMMAND --help' for a command's options.\n");
}

static void version(void)
{
    const char *dir = cli_data_dir(NULL);
    char path[4096], ver[64] = "unknown";
    snprintf(path, sizeof path, "%s/VERSION", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(ver, sizeof ver, f))
            ver[strcspn(ver, "\r\n")] = '\0';
        fclose(f);
    }
    printf("attache %s (reference data as of %s, %s)\n", AT_VERSION, ver, dir);
}

const char *cli_data_dir(const char *explicit_dir)
{
    if (explicit_dir && *explicit_dir)
        return explicit_dir;
    const char *env = getenv("ATTACHE_DATA_DIR");
    if (env && *env)
        return env;
    if (access(AT_DEFAULT_DATADIR "/VERSION", R_OK) == 0)
        return AT_DEFAULT_DATADIR;
    return AT_SOURCE_DATADIR;
}

const char *cli_self_dir(void)
{
    static char dir[4096];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0)
        return "";
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return dir;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    at_json_init();
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cli_run(argc - 1, argv + 1);
    if (strcmp(cmd, "enrich") == 0)
        return cli_enrich(argc - 1, argv + 1);
    if (strcmp(cmd, "decode") == 0)
        return cli_decode(argc - 1, argv + 1);
    if (strcmp(cmd, "feed") == 0)
        return cli_feed(argc - 1, argv + 1);
    if (strcmp(cmd, "feeds") == 0)
        return cli_feeds(argc - 1, argv + 1);
    if (strcmp(cmd, "data") == 0)
        return cli_data(argc - 1, argv + 1);
    if (strcmp(cmd, "kafka-mock") == 0)
        return cli_kafka_mock(argc - 1, argv + 1);
    if (strcmp(cmd, "tail") == 0)
        return cli_tail(argc - 1, argv + 1);
    if (strcmp(cmd, "query") == 0)
        return cli_query(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        version();
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "attache: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
