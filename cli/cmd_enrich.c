/*
 * attache enrich: the enrichment engine as a Unix filter. NewsItem JSON
 * lines on stdin, Event JSON lines on stdout, in input order, through the
 * same parser and engine the daemons use. Rejected lines are reported on
 * stderr and skipped; the exit code is 0 unless reading or writing failed
 * (or the data did not load). `--set alerts.KEY=VALUE` configures the alert
 * rules with the daemon's alerts.* keys.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "at_alerts.h"
#include "at_config.h"
#include "at_enrich.h"
#include "at_json.h"
#include "at_linereader.h"
#include "cli.h"

int cli_enrich(int argc, char **argv)
{
    static const struct option opts[] = {{"data-dir", required_argument, NULL, 'd'},
                                         {"max-item-bytes", required_argument, NULL, 'm'},
                                         {"set", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data_dir = NULL;
    size_t max_item = 1 << 20;
    char err[1024];
    at_config_t *rules_cfg = at_config_new(at_alerts_config_table);
    if (!rules_cfg)
        return 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:m:s:h", opts, NULL)) != -1) {
        if (c == 'd') {
            data_dir = optarg;
        } else if (c == 'm') {
            max_item = (size_t)strtoull(optarg, NULL, 10);
            if (max_item < 64) {
                fprintf(stderr, "attache enrich: --max-item-bytes must be >= 64\n");
                at_config_destroy(&rules_cfg);
                return 2;
            }
        } else if (c == 's') {
            if (at_config_set_pair(rules_cfg, optarg, "--set", err, sizeof err) < 0) {
                fprintf(stderr, "attache enrich: %s\n", err);
                at_config_destroy(&rules_cfg);
                return 2;
            }
        } else if (c == 'h') {
            printf("Usage: attache enrich [--data-dir DIR] [--max-item-bytes N] "
                   "[--set alerts.KEY=VALUE]... < items.jsonl\n"
                   "NewsItem JSON lines on stdin, Event JSON lines on stdout (docs/json.md).\n"
                   "--set takes the alert keys of attache-enrich (docs/config.md), e.g.\n"
                   "  --set alerts.status_change.enabled=false\n");
            at_config_destroy(&rules_cfg);
            return 0;
        } else {
            at_config_destroy(&rules_cfg);
            return 2;
        }
    }
    at_alerts_config_t rules;
    int rules_rc = at_alerts_config_read(rules_cfg, &rules, err, sizeof err);
    at_config_destroy(&rules_cfg);
    if (rules_rc < 0) {
        fprintf(stderr, "attache enrich: --set: %s\n", err);
        return 2;
    }
    at_enrich_t *engine = at_enrich_new(cli_data_dir(data_dir), err, sizeof err);
    if (!engine) {
        fprintf(stderr, "attache enrich: %s\n", err);
        return 1;
    }
    at_enrich_set_alerts(engine, &rules);
    at_linereader_t *r = at_linereader_new(STDIN_FILENO, max_item);
    if (!r) {
        at_enrich_destroy(&engine);
        return 1;
    }
    unsigned long long lineno = 0, rejected = 0, written = 0;
    int rc = 0;
    for (;;) {
        const char *line;
        size_t len;
        at_lr_status_t st = at_linereader_next(r, &line, &len, 0);
        if (st == AT_LR_EOF)
            break;
        if (st == AT_LR_AGAIN)
            continue;
        if (st == AT_LR_ERROR) {
            perror("attache enrich: stdin");
            rc = 1;
            break;
        }
        lineno++;
        if (st == AT_LR_TOOLONG) {
            fprintf(stderr, "attache enrich: line %llu: longer than %zu bytes, skipped\n", lineno,
                    max_item);
            rejected++;
            continue;
        }
        if (strspn(line, " \t") >= len)
            continue;
        Attache__V1__NewsItem *item =
            at_json_item_parse(line, len, (int64_t)time(NULL), err, sizeof err);
        if (!item) {
            fprintf(stderr, "attache enrich: line %llu: %s\n", lineno, err);
            rejected++;
            continue;
        }
        Attache__V1__Event *ev = at_enrich_item(engine, &item, (int64_t)time(NULL));
        char *json = ev ? at_json_event_dump(ev) : NULL;
        at_enrich_event_free(&ev);
        if (!json) {
            fprintf(stderr, "attache enrich: line %llu: out of memory\n", lineno);
            rc = 1;
            break;
        }
        if (puts(json) == EOF) {
            perror("attache enrich: stdout");
            free(json);
            rc = 1;
            break;
        }
        free(json);
        written++;
    }
    if (fflush(stdout) != 0) {
        perror("attache enrich: stdout");
        rc = 1;
    }
    if (rejected)
        fprintf(stderr, "attache enrich: %llu events written, %llu lines rejected\n", written,
                rejected);
    at_linereader_destroy(&r);
    at_enrich_destroy(&engine);
    return rc;
}
