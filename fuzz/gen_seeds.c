/*
 * gen_seeds: writes the binary seed inputs of the fuzz corpora, the ones
 * that are protobuf bytes and so cannot be written by hand:
 *
 *   gen_seeds <corpus-root>     e.g. build/fuzz/gen_seeds fuzz/corpus
 *
 * corpus/proto_item/ and corpus/proto_event/ get valid messages (events
 * made by at_enrich_item from the real data, so they carry countries,
 * treaties, actors, warrants and alerts) and invalid ones (each breaking
 * one rule of at_json_*_validate); corpus/oom/ gets the same messages
 * behind the operation byte fuzz_oom expects. Deterministic: rerunning it
 * rewrites identical files. Everything else in corpus/ is hand-written.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "at_enrich.h"
#include "at_fuzz.h"
#include "at_json.h"

static const char *root;

static void write_seed(const char *dir, const char *name, uint8_t prefix, const uint8_t *buf,
                       size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", root, dir, name);
    FILE *f = fopen(path, "wb");
    AT_FUZZ_CHECK(f != NULL, "%s: %s", path, strerror(errno));
    if (prefix)
        fputc(prefix, f);
    AT_FUZZ_CHECK(fwrite(buf, 1, len, f) == len && fclose(f) == 0, "write %s", path);
}

static void emit(const ProtobufCMessage *m, const char *name)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    AT_FUZZ_CHECK(buf != NULL, "out of memory");
    protobuf_c_message_pack(m, buf);
    int is_event = m->descriptor == &attache__v1__event__descriptor;
    write_seed(is_event ? "proto_event" : "proto_item", name, 0, buf, len);
    char oname[256];
    snprintf(oname, sizeof oname, "%s-%s", is_event ? "event" : "item", name);
    write_seed("oom", oname, is_event ? 2 : 1, buf, len);
    free(buf);
}

static Attache__V1__NewsItem *item_from_json(const char *json)
{
    char err[256];
    Attache__V1__NewsItem *it =
        at_json_item_parse(json, strlen(json), 1764288000LL, err, sizeof err);
    AT_FUZZ_CHECK(it != NULL, "seed item: %s", err);
    return it;
}

static void items(void)
{
    Attache__V1__NewsItem *it = item_from_json(
        "{\"url\":\"https://example.org/a\",\"title\":\"Putin in Budapest\",\"body\":\"BUDAPEST - "
        "Vladimir Putin arrived.\",\"summary\":\"s\",\"published\":\"2025-10-01T10:00:00Z\","
        "\"source\":\"Example\",\"language\":\"en\",\"guid\":\"g-1\",\"authors\":[\"A. Writer\","
        "\"B\"],\"categories\":[\"world\",\"europe\"]}");
    emit(&it->base, "full.pb");
    at_json_item_free(&it);

    Attache__V1__NewsItem m = ATTACHE__V1__NEWS_ITEM__INIT;
    m.id = "id-1";
    m.url = "https://example.org/b";
    emit(&m.base, "minimal.pb");
    m.url = "";
    m.title = "Only a title, caf\xc3\xa9";
    emit(&m.base, "title_only.pb");
    m.title = "bad \xff\xfe utf-8";
    emit(&m.base, "bad_utf8.pb");
    m.title = "surrogate \xed\xa0\x80";
    emit(&m.base, "surrogate.pb");
    m.title = "t";
    m.id = "a\001b";
    emit(&m.base, "control_in_id.pb");
    m.id = "id-1";
    m.published = 253402300800LL; /* 10000-01-01 */
    emit(&m.base, "published_out_of_range.pb");
    m.published = -62167219200LL; /* 0000-01-01 */
    emit(&m.base, "published_min.pb");
    m.published = 0;
    m.id = "";
    emit(&m.base, "no_id.pb");
    m.id = "  padded  ";
    m.url = " https://example.org/c ";
    char *authors[] = {"x", " ", ""};
    m.authors = authors;
    m.n_authors = 3;
    emit(&m.base, "blank_author.pb");

    /* Unknown fields (99: varint, 100: bytes) next to a valid id + url. */
    static const uint8_t unknown[] = {0x0a, 0x01, 'x',  0x12, 0x01, 'u', 0x98,
                                      0x06, 0x01, 0xa2, 0x06, 0x02, 'h', 'i'};
    write_seed("proto_item", "unknown_fields.pb", 0, unknown, sizeof unknown);
    write_seed("oom", "item-unknown_fields.pb", 1, unknown, sizeof unknown);
}

static void events(void)
{
    char err[512];
    at_enrich_t *e = at_enrich_new(at_fuzz_data_dir(), err, sizeof err);
    AT_FUZZ_CHECK(e != NULL, "data: %s", err);
    static const struct {
        const char *name, *json;
    } texts[] = {
        {"warrant_party.pb",
         "{\"url\":\"https://example.org/1\",\"title\":\"Netanyahu lands in Budapest\","
         "\"body\":\"BUDAPEST (Reuters) - Benjamin Netanyahu met Hungarian officials.\","
         "\"published\":\"2025-04-03T08:00:00Z\"}"},
        {"warrant_mongolia.pb",
         "{\"url\":\"https://example.org/2\",\"title\":\"Putin visits Mongolia\",\"body\":"
         "\"ULAANBAATAR - Vladimir Putin arrived in Ulaanbaatar; Mongolian and Russian "
         "officials met.\",\"published\":\"2024-09-03T08:00:00Z\"}"},
        {"countries_only.pb",
         "{\"url\":\"https://example.org/3\",\"title\":\"Armenia and Azerbaijan talk\","
         "\"summary\":\"Talks in Yerevan and Baku; Burundi absent.\",\"published\":\"Wed, 03 "
         "Jul 2024 10:15:00 +0000\"}"},
        {"no_mentions.pb",
         "{\"url\":\"https://example.org/4\",\"title\":\"Weather\",\"body\":\"Sunny.\"}"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        Attache__V1__NewsItem *it = item_from_json(texts[i].json);
        Attache__V1__Event *ev = at_enrich_item(e, &it, 1764288000LL);
        AT_FUZZ_CHECK(ev && at_json_event_validate(ev, err, sizeof err) == 0, "event: %s", err);
        emit(&ev->base, texts[i].name);
        at_enrich_event_free(&ev);
    }
    at_enrich_destroy(&e);

    /* Hand-built events, each breaking one rule. */
    Attache__V1__NewsItem item = ATTACHE__V1__NEWS_ITEM__INIT;
    item.id = "ev-1";
    item.title = "t";
    Attache__V1__TreatyStatus t1 = ATTACHE__V1__TREATY_STATUS__INIT, t2 = t1;
    t1.treaty = "rome_statute";
    t1.status = ATTACHE__V1__TREATY_STATE__TREATY_STATE_PARTY;
    t1.signed_ = "1998-07-18";
    t2 = t1;
    Attache__V1__TreatyStatus *tp[2] = {&t1, &t2};
    Attache__V1__CountryMention c = ATTACHE__V1__COUNTRY_MENTION__INIT;
    c.code = "HUN";
    c.name = "Hungary";
    c.mentions = 1;
    Attache__V1__MentionKind kinds[] = {ATTACHE__V1__MENTION_KIND__MENTION_KIND_NAME, 99};
    c.kinds = kinds;
    c.n_kinds = 2;
    c.treaties = tp;
    c.n_treaties = 1;
    Attache__V1__CountryMention *cp[1] = {&c};
    Attache__V1__Role role = ATTACHE__V1__ROLE__INIT;
    role.role = "head_of_state";
    role.start = "2000-05-07";
    Attache__V1__Role *rp[1] = {&role};
    Attache__V1__Warrant w = ATTACHE__V1__WARRANT__INIT;
    w.court = "ICC";
    w.issued = "2023-03-17";
    w.status = "outstanding";
    Attache__V1__Warrant *wp[1] = {&w};
    Attache__V1__ActorMention a = ATTACHE__V1__ACTOR_MENTION__INIT;
    a.id = "Q7747";
    a.roles = rp;
    a.n_roles = 1;
    a.warrants = wp;
    a.n_warrants = 1;
    Attache__V1__ActorMention *ap[1] = {&a};
    Attache__V1__Location loc = ATTACHE__V1__LOCATION__INIT;
    loc.code = "HUN";
    loc.place = "Budapest";
    loc.basis = "dateline";
    Attache__V1__Location *lp[1] = {&loc};
    Attache__V1__Alert al = ATTACHE__V1__ALERT__INIT;
    al.rule = "warrant_exposure";
    al.severity = ATTACHE__V1__SEVERITY__SEVERITY_CRITICAL;
    al.message = "m";
    Attache__V1__Alert *alp[1] = {&al};
    Attache__V1__Event ev = ATTACHE__V1__EVENT__INIT;
    ev.id = "ev-1";
    ev.item = &item;
    ev.countries = cp;
    ev.n_countries = 1;
    ev.actors = ap;
    ev.n_actors = 1;
    ev.locations = lp;
    ev.n_locations = 1;
    ev.alerts = alp;
    ev.n_alerts = 1;
    ev.data_version = "2026-11-28";
    ev.reference_date = "2025-04-03";
    ev.enriched = 1764288000LL;
    AT_FUZZ_CHECK(at_json_event_validate(&ev, err, sizeof err) == 0, "hand event: %s", err);
    emit(&ev.base, "hand_valid.pb");

    c.n_treaties = 2;
    emit(&ev.base, "dup_treaty.pb");
    c.n_treaties = 1;
    t1.signed_ = "2023-02-29";
    emit(&ev.base, "bad_date.pb");
    t1.signed_ = "1998-07-18";
    ev.id = "other";
    emit(&ev.base, "id_mismatch.pb");
    ev.id = "ev-1";
    ev.item = NULL;
    emit(&ev.base, "no_item.pb");
    ev.item = &item;
    w.status = "bad \xc0\x80";
    emit(&ev.base, "overlong_utf8.pb");
    w.status = "outstanding";
    ev.enriched = -62167219201LL;
    emit(&ev.base, "enriched_out_of_range.pb");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_seeds <corpus-root>\n");
        return 2;
    }
    root = argv[1];
    items();
    events();
    return 0;
}
