/*
 * at_context: the words around a match (see at_context.h). Small
 * byte-level scanners over one segment of an item; word characters are
 * the matcher's (at_match_word_at / at_match_word_before), so a cue or a
 * neighbouring word is delimited exactly as a spelling is.
 */
#include "at_context.h"

#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "at_match.h"

static int is_lower_ascii(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static unsigned char to_lower_ascii(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

int at_context_cue_near(const char *seg, size_t len, size_t off, size_t mlen, const char *cue,
                        size_t cuelen, size_t window, size_t *dist)
{
    if (!seg || !cue || cuelen == 0 || cuelen > len || off > len || mlen > len - off)
        return 0;
    /* A cue in lower case ("county") also matches with a capital first
     * letter ("County"); any other cue only as written. */
    int lower = is_lower_ascii((unsigned char)cue[0]);
    for (size_t i = 1; i < cuelen && lower; i++) {
        unsigned char c = (unsigned char)cue[i];
        lower = !(c >= 'A' && c <= 'Z') && c < 0x80;
    }
    size_t lo = 0, hi = len - cuelen;
    if (window != SIZE_MAX) {
        lo = off > window + cuelen ? off - window - cuelen : 0;
        size_t h = off + mlen + window;
        if (h < hi)
            hi = h;
    }
    int wordend = at_match_word_before(cue, cuelen);
    int found = 0;
    size_t best = SIZE_MAX;
    for (int pass = 0; pass < 1 + lower; pass++) {
        unsigned char first = (unsigned char)cue[0];
        if (pass)
            first = (unsigned char)(first - 'a' + 'A');
        for (size_t s = lo; s <= hi && lo <= hi; s++) {
            const char *p = memchr(seg + s, first, hi - s + 1);
            if (!p)
                break;
            s = (size_t)(p - seg);
            if (memcmp(seg + s + 1, cue + 1, cuelen - 1) != 0 || at_match_word_before(seg, s) ||
                (wordend && at_match_word_at(seg, len, s + cuelen)))
                continue;
            size_t d = s + cuelen <= off ? off - (s + cuelen)
                       : s >= off + mlen ? s - (off + mlen)
                                         : 0;
            if (d > window)
                continue;
            if (d < best)
                best = d;
            found = 1;
        }
    }
    if (found && dist)
        *dist = best;
    return found;
}

/* Lead byte of the character that ends just before i. */
static size_t char_start_before(const char *seg, size_t i)
{
    size_t k = i - 1;
    int steps = 0;
    while (k > 0 && ((unsigned char)seg[k] & 0xC0) == 0x80 && steps < 3) {
        k--;
        steps++;
    }
    return k;
}

/* An apostrophe inside a word: ASCII ' or U+2019. Returns its length. */
static size_t apostrophe_at(const char *seg, size_t len, size_t i)
{
    if (i < len && seg[i] == '\'')
        return 1;
    if (i + 2 < len && (unsigned char)seg[i] == 0xE2 && (unsigned char)seg[i + 1] == 0x80 &&
        (unsigned char)seg[i + 2] == 0x99)
        return 3;
    return 0;
}

/* One space or NBSP ending at i: its length, or 0. */
static size_t space_before(const char *seg, size_t i)
{
    if (i >= 1 && seg[i - 1] == ' ')
        return 1;
    if (i >= 2 && (unsigned char)seg[i - 2] == 0xC2 && (unsigned char)seg[i - 1] == 0xA0)
        return 2;
    return 0;
}

static size_t space_at(const char *seg, size_t len, size_t i)
{
    if (i < len && seg[i] == ' ')
        return 1;
    if (i + 1 < len && (unsigned char)seg[i] == 0xC2 && (unsigned char)seg[i + 1] == 0xA0)
        return 2;
    return 0;
}

int at_context_prev_word(const char *seg, size_t off, size_t *start, size_t *wlen)
{
    if (!seg)
        return 0;
    size_t sp = space_before(seg, off);
    if (!sp)
        return 0;
    size_t e = off - sp, i = e;
    if (i > 0 && seg[i - 1] == '.')
        i--; /* "J." */
    for (;;) {
        if (i > 0 && at_match_word_before(seg, i)) {
            i = char_start_before(seg, i);
        } else if (i > 1 && (seg[i - 1] == '-' || seg[i - 1] == '\'') &&
                   at_match_word_before(seg, i - 1)) {
            i--;
        } else if (i > 3 && (unsigned char)seg[i - 3] == 0xE2 &&
                   (unsigned char)seg[i - 2] == 0x80 && (unsigned char)seg[i - 1] == 0x99 &&
                   at_match_word_before(seg, i - 3)) {
            i -= 3;
        } else {
            break;
        }
    }
    if (i == e || !at_match_word_at(seg, e, i))
        return 0;
    *start = i;
    *wlen = e - i;
    return 1;
}

int at_context_next_word(const char *seg, size_t len, size_t end, size_t *start, size_t *wlen)
{
    if (!seg || end > len)
        return 0;
    size_t sp = space_at(seg, len, end);
    if (!sp)
        return 0;
    size_t s = end + sp, i = s;
    while (i < len) {
        if (at_match_word_at(seg, len, i)) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)seg + i,
                                                  (utf8proc_ssize_t)(len - i), &cp);
            i += k > 0 ? (size_t)k : 1;
            continue;
        }
        size_t a = apostrophe_at(seg, len, i);
        if (!a && i < len && seg[i] == '-')
            a = 1;
        if (a && i > s && at_match_word_at(seg, len, i + a)) {
            i += a;
            continue;
        }
        break;
    }
    if (i == s)
        return 0;
    *start = s;
    *wlen = i - s;
    return 1;
}

/* Capitalised words that are not part of a person's name when next to
 * a spelling: function words that open sentences, titles, calendar
 * words, compass and other place adjectives, and the common nouns of
 * institution and event names ("Paris Agreement", "Kenya Airways",
 * "Israel Defense Forces", "Sydney Opera House"). */
static const char *const not_names[] = {
    /* function words, adverbs, pronouns */
    "A",
    "About",
    "Across",
    "After",
    "Against",
    "Along",
    "Also",
    "Although",
    "Among",
    "An",
    "And",
    "Around",
    "As",
    "At",
    "Because",
    "Before",
    "Behind",
    "Between",
    "Beyond",
    "Both",
    "But",
    "By",
    "Despite",
    "During",
    "Each",
    "Either",
    "Even",
    "Every",
    "Following",
    "For",
    "From",
    "Hence",
    "Her",
    "His",
    "How",
    "However",
    "If",
    "In",
    "Including",
    "Inside",
    "Into",
    "Is",
    "It",
    "Its",
    "Like",
    "Many",
    "Meanwhile",
    "More",
    "Most",
    "Near",
    "Neither",
    "No",
    "Nor",
    "Not",
    "Now",
    "Of",
    "On",
    "Once",
    "Only",
    "Or",
    "Our",
    "Outside",
    "Over",
    "Per",
    "Since",
    "So",
    "Some",
    "Such",
    "Than",
    "That",
    "The",
    "Their",
    "Then",
    "There",
    "These",
    "They",
    "This",
    "Those",
    "Though",
    "Through",
    "To",
    "Toward",
    "Towards",
    "Under",
    "Unlike",
    "Until",
    "Upon",
    "Via",
    "Was",
    "We",
    "Were",
    "What",
    "When",
    "Where",
    "Whether",
    "Which",
    "While",
    "Who",
    "Why",
    "With",
    "Within",
    "Without",
    "Yet",
    "You",
    "Said",
    "Says",
    "Say",
    "Told",
    "Asked",
    "Visit",
    "Visiting",
    "Welcome",
    "Dear",
    "Today",
    "Yesterday",
    "Tomorrow",
    "Tonight",
    "Breaking",
    "Exclusive",
    "Update",
    "Live",
    "Watch",
    "Analysis",
    "Opinion",
    "Editorial",
    "Photos",
    "Video",
    "All",
    "Afterwards",
    "Afterward",
    "Later",
    "Earlier",
    "Still",
    "Indeed",
    "Instead",
    "Thus",
    "Perhaps",
    "Finally",
    "Again",
    "Here",
    "Last",
    "Next",
    "Then",
    "Soon",
    "Already",
    "Elsewhere",
    "Overall",
    "Otherwise",
    "Therefore",
    "Moreover",
    "Furthermore",
    "Nevertheless",
    "Nonetheless",
    "Anyway",
    "Besides",
    "Rather",
    "Ahead",
    "Whereas",
    "Unless",
    "Although",
    "Did",
    "Does",
    "Do",
    "Has",
    "Have",
    "Had",
    "Will",
    "Would",
    "Can",
    "Could",
    "Should",
    "May",
    "Might",
    "Must",
    "Let",
    "Thank",
    "Thanks",
    "Please",
    "Sorry",
    "Yes",
    "Why",
    "Dear",
    /* titles and ranks */
    "President",
    "Presidents",
    "Vice",
    "Prime",
    "Minister",
    "Ministers",
    "Premier",
    "Chancellor",
    "Secretary",
    "Foreign",
    "Defence",
    "Defense",
    "Interior",
    "Finance",
    "King",
    "Queen",
    "Prince",
    "Princess",
    "Emperor",
    "Empress",
    "Sultan",
    "Emir",
    "Sheikh",
    "Crown",
    "Pope",
    "Cardinal",
    "Bishop",
    "Archbishop",
    "Rev",
    "Father",
    "Sister",
    "Brother",
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Dr",
    "Sir",
    "Dame",
    "Lord",
    "Lady",
    "Senator",
    "Sen",
    "Rep",
    "Representative",
    "Congressman",
    "Congresswoman",
    "Governor",
    "Gov",
    "Mayor",
    "Speaker",
    "Leader",
    "Chairman",
    "Chairwoman",
    "Chair",
    "General",
    "Gen",
    "Colonel",
    "Col",
    "Captain",
    "Capt",
    "Admiral",
    "Major",
    "Commander",
    "Marshal",
    "Lieutenant",
    "Sergeant",
    "Ambassador",
    "Envoy",
    "Judge",
    "Justice",
    "Attorney",
    "Prosecutor",
    "Officer",
    "Agent",
    "Director",
    "Chief",
    "Deputy",
    "Acting",
    "Former",
    "Late",
    "Saint",
    "St",
    "Team",
    "Coach",
    "Head",
    "Spokesman",
    "Spokeswoman",
    "Spokesperson",
    /* calendar */
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Christmas",
    "Easter",
    "Ramadan",
    /* compass and place adjectives */
    "North",
    "South",
    "East",
    "West",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Central",
    "Northeast",
    "Northwest",
    "Southeast",
    "Southwest",
    "Upper",
    "Lower",
    "Greater",
    "New",
    "Old",
    "Ancient",
    "Modern",
    "Mainland",
    "Rural",
    "Inner",
    "Outer",
    "Metropolitan",
    "Downtown",
    "Coastal",
    "Occupied",
    "Free",
    "United",
    "Democratic",
    "Republic",
    "Federal",
    "Royal",
    "Imperial",
    "Islamic",
    "Kingdom",
    "State",
    "States",
    "Greater",
    "Neighbouring",
    "Neighboring",
    /* nouns of institution, event and feature names */
    "Academy",
    "Accord",
    "Accords",
    "Act",
    "Agency",
    "Agreement",
    "Air",
    "Airlines",
    "Express",
    "Airport",
    "Airways",
    "Alliance",
    "Army",
    "Assembly",
    "Association",
    "Authority",
    "Avenue",
    "Award",
    "Bank",
    "Basin",
    "Bay",
    "Beach",
    "Bill",
    "Board",
    "Border",
    "Boulevard",
    "Bridge",
    "Bureau",
    "Cabinet",
    "Campaign",
    "Canal",
    "Cathedral",
    "Center",
    "Centre",
    "Championship",
    "Channel",
    "Church",
    "City",
    "Climate",
    "Club",
    "Coast",
    "College",
    "Commission",
    "Committee",
    "Communist",
    "Company",
    "Conference",
    "Congress",
    "Constitution",
    "Convention",
    "Corporation",
    "Council",
    "Court",
    "Cup",
    "Declaration",
    "Defense",
    "Delta",
    "Department",
    "Desert",
    "District",
    "Embassy",
    "Exchange",
    "Expo",
    "Federation",
    "Festival",
    "Film",
    "Fire",
    "Force",
    "Forces",
    "Forum",
    "Foundation",
    "Fund",
    "Games",
    "Garden",
    "Gate",
    "Government",
    "Grand",
    "Group",
    "Guard",
    "Gulf",
    "Harbor",
    "Harbour",
    "Highway",
    "Hospital",
    "Hotel",
    "House",
    "Institute",
    "International",
    "Island",
    "Islands",
    "Lake",
    "Law",
    "League",
    "Library",
    "Line",
    "Marathon",
    "Market",
    "Masters",
    "Media",
    "Metro",
    "Ministry",
    "Mission",
    "Motor",
    "Mountain",
    "Museum",
    "National",
    "Navy",
    "News",
    "Ocean",
    "Office",
    "Olympics",
    "Open",
    "Opera",
    "Orchestra",
    "Organisation",
    "Organization",
    "Palace",
    "Park",
    "Parliament",
    "Party",
    "Peace",
    "Pact",
    "Plaza",
    "Police",
    "Port",
    "Post",
    "Press",
    "Prize",
    "Process",
    "Programme",
    "Program",
    "Protocol",
    "Province",
    "Radio",
    "Railway",
    "Railways",
    "Region",
    "River",
    "Road",
    "Saint",
    "School",
    "Sea",
    "Senate",
    "Service",
    "Society",
    "Square",
    "Stadium",
    "Station",
    "Statute",
    "Stock",
    "Street",
    "Strip",
    "Summit",
    "Supreme",
    "Talks",
    "Television",
    "Temple",
    "Times",
    "Today",
    "Tower",
    "Trade",
    "Treaty",
    "Tribunal",
    "Union",
    "University",
    "Valley",
    "Week",
    "World",
    "Zone",
    "Zoo",
};

/* Sentence adverbs ("Recently", "Eventually", "Reportedly"). */
static int adverb(const char *w, size_t n)
{
    static const char *const ends[] = {"ally",  "ently", "antly", "ously", "ately",
                                       "ively", "edly",  "ingly", "ularly"};
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
        size_t k = strlen(ends[i]);
        if (n >= k + 3 && memcmp(w + n - k, ends[i], k) == 0)
            return 1;
    }
    return 0;
}

/* The word before a '-' ("Saint-Germain" -> "Saint"), for the list. */
static int listed(const char *w, size_t n)
{
    if (adverb(w, n))
        return 1;
    size_t h = 0;
    while (h < n && w[h] != '-')
        h++;
    for (size_t i = 0; i < sizeof not_names / sizeof *not_names; i++) {
        size_t k = strlen(not_names[i]);
        if ((k == n || k == h) && memcmp(not_names[i], w, k) == 0)
            return 1;
    }
    return 0;
}

int at_context_name_like(const char *w, size_t n)
{
    if (!w || n < 2 || w[n - 1] == '.')
        return 0;
    if ((n >= 2 && w[n - 2] == '\'' && (w[n - 1] == 's' || w[n - 1] == 'S')) ||
        (n >= 4 && memcmp(w + n - 4, "\xE2\x80\x99s", 4) == 0))
        return 0; /* a possessive: "Russia's" */
    const utf8proc_uint8_t *t = (const utf8proc_uint8_t *)w;
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(t, (utf8proc_ssize_t)n, &cp);
    if (k <= 0 || !utf8proc_isupper(cp))
        return 0;
    int lower = 0;
    for (size_t i = (size_t)k; i < n;) {
        utf8proc_ssize_t m = utf8proc_iterate(t + i, (utf8proc_ssize_t)(n - i), &cp);
        if (m <= 0)
            return 0;
        if (cp >= '0' && cp <= '9')
            return 0;
        lower |= utf8proc_islower(cp);
        i += (size_t)m;
    }
    return lower && !listed(w, n);
}

int at_context_title_case(const char *seg, size_t len)
{
    if (!seg)
        return 0;
    size_t words = 0, long_words = 0, caps = 0;
    for (size_t i = 0; i < len;) {
        if (!at_match_word_at(seg, len, i) || at_match_word_before(seg, i)) {
            i++;
            continue;
        }
        size_t s = i, letters = 0;
        while (i < len && at_match_word_at(seg, len, i)) {
            unsigned char c = (unsigned char)seg[i];
            letters +=
                (c >= 0x80) ? ((c & 0xC0) != 0x80) : ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
            i++;
        }
        words++;
        if (letters >= 4) {
            long_words++;
            caps += seg[s] >= 'A' && seg[s] <= 'Z';
        }
    }
    return words >= 3 && long_words >= 2 && caps * 10 >= long_words * 7;
}

/* Longest phrases first, so "Prime Minister" wins over "Minister". */
static const at_title_t titles[] = {
    {"Secretary of State", "Secretary of State", NULL, 1},
    {"Supreme Leader", "Supreme Leader", NULL, 1},
    {"Crown Prince", "Crown Prince", NULL, 1},
    {"Defence Secretary", "Defen", "defence_minister", 1},
    {"Defense Secretary", "Defen", "defence_minister", 1},
    {"Foreign Secretary", "Foreign", "foreign_minister", 1},
    {"Defence Minister", "Defen", "defence_minister", 1},
    {"Defense Minister", "Defen", "defence_minister", 1},
    {"Foreign Minister", "Foreign", "foreign_minister", 1},
    {"Vice-President", "Vice", NULL, 1},
    {"Vice President", "Vice", NULL, 1},
    {"Prime Minister", "Prime Minister", "head_of_government", 1},
    {"Chancellor", "Chancellor", NULL, 1},
    {"President", "President", NULL, 1},
    {"Minister", "Minister", NULL, 1},
    {"Secretary", "Secretary", NULL, 1},
    {"Governor", "Governor", NULL, 1},
    {"Emperor", "Emperor", NULL, 1},
    {"Premier", "Premier", "head_of_government", 1},
    {"Sultan", "Sultan", NULL, 1},
    {"Prince", "Prince", NULL, 1},
    {"Senator", "Senator", NULL, 1},
    {"Speaker", "Speaker", NULL, 1},
    {"Queen", "Queen", NULL, 1},
    {"Emir", "Emir", NULL, 1},
    {"Mayor", "Mayor", NULL, 1},
    {"King", "King", NULL, 1},
    {"Ayatollah", NULL, NULL, 0},
    {"Sheikh", NULL, NULL, 0},
    {"Lord", NULL, NULL, 0},
    {"Lady", NULL, NULL, 0},
    {"Sir", NULL, NULL, 0},
    {"Mrs.", NULL, NULL, 0},
    {"Mrs", NULL, NULL, 0},
    {"Mr.", NULL, NULL, 0},
    {"Ms.", NULL, NULL, 0},
    {"Dr.", NULL, NULL, 0},
    {"PM", "Prime Minister", "head_of_government", 1},
    {"Mr", NULL, NULL, 0},
    {"Ms", NULL, NULL, 0},
    {"Dr", NULL, NULL, 0},
};

/* a[0..n) equals the phrase, each word's first letter in either case,
 * the rest as written ("prime minister", "Prime Minister"). Short
 * phrases ("PM", "Mr.", "King") only as written. */
static int phrase_eq(const char *a, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)p[i];
        if (x == y)
            continue;
        int word_start = i == 0 || p[i - 1] == ' ' || p[i - 1] == '-';
        if (n <= 4 || !word_start || to_lower_ascii(x) != to_lower_ascii(y))
            return 0;
    }
    return 1;
}

/* The title ending right before seg[off], and where it starts. */
static const at_title_t *title_at(const char *seg, size_t off, size_t *start)
{
    if (!seg)
        return NULL;
    size_t sp = space_before(seg, off);
    if (!sp)
        return NULL;
    size_t e = off - sp;
    for (size_t i = 0; i < sizeof titles / sizeof *titles; i++) {
        size_t k = strlen(titles[i].phrase);
        if (k > e || !phrase_eq(seg + e - k, titles[i].phrase, k))
            continue;
        if (at_match_word_before(seg, e - k))
            continue;
        *start = e - k;
        return &titles[i];
    }
    return NULL;
}

const at_title_t *at_context_title_before(const char *seg, size_t off)
{
    size_t start;
    return title_at(seg, off, &start);
}

static int word_in(const char *w, size_t n, const char *const *list);

int at_context_title_past(const char *seg, size_t off)
{
    static const char *const past[] = {"former", "then", "late", "ex", NULL};
    size_t start;
    const at_title_t *t = title_at(seg, off, &start);
    if (!t || !t->strong)
        return 0;
    /* "former Foreign Secretary", "then Foreign Secretary", or glued with a
     * hyphen: "ex-Foreign Secretary", "then-Foreign Secretary". */
    size_t e;
    if (start >= 1 && seg[start - 1] == '-')
        e = start - 1;
    else {
        size_t sp = space_before(seg, start);
        if (!sp)
            return 0;
        e = start - sp;
    }
    size_t b = e;
    while (b > 0 && is_lower_ascii(to_lower_ascii((unsigned char)seg[b - 1])))
        b--;
    if (b == e || at_match_word_before(seg, b))
        return 0;
    return word_in(seg + b, e - b, past);
}

static int word_in(const char *w, size_t n, const char *const *list)
{
    for (; *list; list++) {
        size_t k = strlen(*list);
        if (k != n)
            continue;
        size_t i = 0;
        while (i < n && to_lower_ascii((unsigned char)w[i]) == (unsigned char)(*list)[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

int at_context_language_use(const char *seg, size_t len, size_t off, size_t mlen)
{
    static const char *const after[] = {
        "language", "languages", "speaking", "speaker", "speakers",    "dialect",
        "dialects", "cuisine",   "food",     "dishes",  "translation", "subtitles",
        "alphabet", "script",    "speech",   NULL,
    };
    static const char *const before[] = {"in",    "into",     "speak", "speaks",
                                         "spoke", "speaking", NULL};
    if (!seg || off > len || mlen > len - off)
        return 0;
    size_t end = off + mlen;
    if (end < len && (seg[end] == ' ' || seg[end] == '-')) {
        size_t s = end + 1, i = s;
        while (i < len && ((seg[i] | 0x20) >= 'a' && (seg[i] | 0x20) <= 'z'))
            i++;
        if (i > s && !at_match_word_at(seg, len, i) && word_in(seg + s, i - s, after))
            return 1;
    }
    size_t ws, wl;
    if (!at_context_prev_word(seg, off, &ws, &wl) || !word_in(seg + ws, wl, before))
        return 0;
    if (end == len)
        return 1;
    unsigned char c = (unsigned char)seg[end];
    return c == ',' || c == '.' || c == ';' || c == ':' || c == ')' || c == '!' || c == '?' ||
           c == '"' || c == '\n' || c == '\r' || (c == 0xE2 && end + 2 < len);
}

/* A word with letters, none of them lower case. */
static int caps_word(const char *w, size_t n)
{
    int letters = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 'a' && c <= 'z')
            return 0;
        letters |= c >= 'A' && c <= 'Z';
    }
    return letters;
}

int at_context_all_caps_around(const char *seg, size_t len, size_t off, size_t mlen)
{
    if (!seg || off > len || mlen > len - off)
        return 0;
    size_t s, n;
    int caps = 0;
    if (at_context_prev_word(seg, off, &s, &n)) {
        if (!caps_word(seg + s, n))
            return 0;
        caps = 1;
    }
    if (at_context_next_word(seg, len, off + mlen, &s, &n)) {
        if (!caps_word(seg + s, n))
            return 0;
        caps = 1;
    }
    return caps;
}
