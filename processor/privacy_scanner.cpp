// Section 3 of the rules: a Hyperscan prefilter, then an exact pass on flagged strings.
// may_match runs every pattern, relaxed so it never misses (no exceptions, minimum
// lengths only), in one SINGLEMATCH database and stops at the first hit. Hyperscan has
// no look-behind and gives only the leftmost start per end, which cannot express
// leftmost-longest without overlap; so find_spans scans a second database for each
// pattern's fixed-width head (`\bsk-`, `/home/`) and a linear C++ matcher per pattern
// takes the exact extent from there. E-mails have no fixed head and start from `@`.
#include "processor/privacy_scanner.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

#include "processor/json_syntax.h"

namespace skillstream::processor {
namespace {

constexpr std::size_t npos = std::string_view::npos;

// A set of bytes, looked up in one load.
class ByteClass {
 public:
  // `spec` lists members as in a regex bracket: `A-Za-z0-9._-` (a trailing `-` is
  // literal).
  constexpr explicit ByteClass(std::string_view spec) {
    for (std::size_t i = 0; i < spec.size(); ++i) {
      if (i + 2 < spec.size() && spec[i + 1] == '-') {
        for (int c = static_cast<unsigned char>(spec[i]);
             c <= static_cast<unsigned char>(spec[i + 2]); ++c) {
          member_[static_cast<std::size_t>(c)] = true;
        }
        i += 2;
      } else {
        member_[static_cast<unsigned char>(spec[i])] = true;
      }
    }
  }
  constexpr bool operator()(char c) const noexcept {
    return member_[static_cast<unsigned char>(c)];
  }

 private:
  std::array<bool, 256> member_{};
};

constexpr ByteClass kWord("A-Za-z0-9_");  // \b and github_pat_ bodies
constexpr ByteClass kAlnum("A-Za-z0-9");
constexpr ByteClass kUpperDigit("0-9A-Z");     // AWS key ids, PEM label words
constexpr ByteClass kKeyChar("A-Za-z0-9_-");   // sk-, AIza, JWT segments
constexpr ByteClass kLabelChar("A-Za-z0-9-");  // domain labels, Slack tokens
constexpr ByteClass kAlpha("A-Za-z");          // top-level domains
constexpr ByteClass kLocalChar("A-Za-z0-9._%+-");
constexpr ByteClass kNameChar("A-Za-z0-9._-");  // user_path NAME
constexpr ByteClass kBearerChar("A-Za-z0-9._~+/-");
constexpr ByteClass kBlank(" \t");
constexpr ByteClass kPadding("=");

// The first position at or after `pos` whose byte is not in `cls`.
std::size_t run_end(std::string_view text, std::size_t pos, const ByteClass& cls) noexcept {
  while (pos < text.size() && cls(text[pos])) ++pos;
  return pos;
}

// Like run_end, but reads at most `limit` bytes: enough to decide a minimum length
// without reading a long run that a failed attempt would read again later.
std::size_t run_end_within(std::string_view text, std::size_t pos, std::size_t limit,
                           const ByteClass& cls) noexcept {
  const std::size_t stop = std::min(text.size(), pos + limit);
  while (pos < stop && cls(text[pos])) ++pos;
  return pos;
}

bool word_at(std::string_view text, std::size_t pos) noexcept {
  return pos < text.size() && kWord(text[pos]);
}

// Exactly `count` bytes of `cls` from `pos`, then a word boundary: the end, or npos.
std::size_t fixed_then_boundary(std::string_view text, std::size_t pos, std::size_t count,
                                const ByteClass& cls) noexcept {
  if (run_end_within(text, pos, count, cls) != pos + count) return npos;
  // The last byte is a word character in every caller, so \b needs a non-word next.
  return word_at(text, pos + count) ? npos : pos + count;
}

// At least `min` bytes of `cls` from `pos`, as many as there are: the end, or npos.
std::size_t at_least(std::string_view text, std::size_t pos, std::size_t min,
                     const ByteClass& cls) noexcept {
  if (run_end_within(text, pos, min, cls) != pos + min) return npos;
  return run_end(text, pos + min, cls);
}

// `([A-Z0-9]+ )*PRIVATE KEY-----` from `pos`: the end, or npos. The words cannot hold a
// `-`, so a failed attempt never reads into the next BEGIN or END line.
std::size_t pem_label_end(std::string_view text, std::size_t pos) noexcept {
  constexpr std::string_view kTail = "PRIVATE KEY-----";
  for (;;) {
    if (text.substr(pos, kTail.size()) == kTail) return pos + kTail.size();
    const std::size_t word_end = run_end(text, pos, kUpperDigit);
    if (word_end == pos || word_end >= text.size() || text[word_end] != ' ') return npos;
    pos = word_end + 1;
  }
}

// The candidate heads reported by the anchor database. Each has a fixed width, so its
// start is its end offset minus the width and no SOM is needed.
enum class Head : std::uint8_t {
  aws_key,       // \bAKIA
  github_token,  // \bgh[pousr]_
  github_pat,    // \bgithub_pat_
  api_key,       // \bsk-
  slack_token,   // \bxox[abprs]-
  google_key,    // \bAIza
  pem,           // -----BEGIN
  jwt,           // \beyJ
  bearer,        // \bBearer[ \t]
  home,          // /home/
  users,         // /Users/
  drive_users,   // \b[A-Za-z]:[\\/]Users[\\/]
};
constexpr std::size_t kHeadCount = 12;

struct HeadPattern {
  const char* expression;
  std::uint32_t width;
};

constexpr std::array<HeadPattern, kHeadCount> kHeads = {{
    {R"(\bAKIA)", 4},
    {R"(\bgh[pousr]_)", 4},
    {R"(\bgithub_pat_)", 11},
    {R"(\bsk-)", 3},
    {R"(\bxox[abprs]-)", 5},
    {R"(\bAIza)", 4},
    {R"(-----BEGIN )", 11},
    {R"(\beyJ)", 3},
    {R"(\bBearer[ \t])", 7},
    {R"(/home/)", 6},
    {R"(/Users/)", 7},
    {R"(\b[A-Za-z]:[\\/]Users[\\/])", 9},
}};

// The relaxed full patterns for may_match: each one matches wherever the exact rule
// does (minimum lengths kept, maximal extents dropped). The look-behind of `/home/` is
// a consumed byte here: the match need not start where the span does. The exceptions
// are kept, because the near misses they name (`git@host`, `/Users/Shared`) are common
// in real logs and each false positive costs a second walk of the record: Hyperscan
// has no look-around, so "a run that is not exactly `git`" is spelled out as the ways
// a run can differ from the word. A previous e-mail match ends after the whole alphabetic
// run of its last label, so it never cuts a `git` run short: if the whole run before `@`
// is `git`, there is no match at that `@`.
#define SKILLSTREAM_EMAIL_DOMAIN R"(@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2})"
// The NAME run of a user path that is neither `Shared` nor only dots, read only as far
// as it takes to tell: a first non-dot byte other than `S`, or a byte of `Shared` that
// differs (`$` and `[^h]` also stand for the end of the run), or a seventh byte.
#define SKILLSTREAM_USER_NAME       \
  R"((?:\.*[A-RT-Za-z0-9_-]|\.+S|)" \
  R"(S(?:$|[^h]|h(?:$|[^a]|a(?:$|[^r]|r(?:$|[^e]|e(?:$|[^d]|d[A-Za-z0-9._-])))))))"

constexpr std::array<const char*, 14> kPrefilter = {{
    // E-mail with a local part of four bytes or more, or of one to three other than `git`.
    R"([A-Za-z0-9._%+-]{4})" SKILLSTREAM_EMAIL_DOMAIN,
    R"((?:^|[^A-Za-z0-9._%+-]))"
    R"((?:[A-Za-z0-9._%+-]{1,2}|[A-Za-fh-z0-9._%+-][A-Za-z0-9._%+-]{2}|)"
    R"(g[A-Za-hj-z0-9._%+-][A-Za-z0-9._%+-]|gi[A-Za-su-z0-9._%+-]))" SKILLSTREAM_EMAIL_DOMAIN,
    R"(\bAKIA[0-9A-Z]{16}\b)",
    R"(\bgh[pousr]_[A-Za-z0-9]{36}\b)",
    R"(\bgithub_pat_[A-Za-z0-9_]{22})",
    R"(\bsk-[A-Za-z0-9_-]{20})",
    R"(\bxox[abprs]-[A-Za-z0-9-]{10})",
    R"(\bAIza[0-9A-Za-z_-]{35})",
    R"(-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----)",
    R"(\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10})",
    R"(\bBearer[ \t]+[A-Za-z0-9._~+/-]{20})",
    R"((?:^|[^A-Za-z0-9._-])/home/)" SKILLSTREAM_USER_NAME,
    R"((?:^|[^A-Za-z0-9._-])/Users/)" SKILLSTREAM_USER_NAME,
    R"(\b[A-Za-z]:[\\/]Users[\\/])" SKILLSTREAM_USER_NAME,
}};

#undef SKILLSTREAM_USER_NAME
#undef SKILLSTREAM_EMAIL_DOMAIN

hs_database_t* compile(const char* const* expressions, const unsigned* flags, const unsigned* ids,
                       unsigned count, const char* what) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions, flags, ids, count, HS_MODE_BLOCK, nullptr, &db, &error) !=
      HS_SUCCESS) {
    std::string message = std::string("hyperscan refused the ") + what + " patterns: " +
                          (error != nullptr && error->message != nullptr ? error->message : "?");
    hs_free_compile_error(error);
    throw std::runtime_error(message);
  }
  return db;
}

int stop_at_first_match(unsigned, unsigned long long, unsigned long long, unsigned,
                        void*) noexcept {
  return 1;
}

}  // namespace

class PrivacyPatterns {
 public:
  PrivacyPatterns() {
    std::array<unsigned, kPrefilter.size()> prefilter_flags;
    std::array<unsigned, kPrefilter.size()> prefilter_ids;
    prefilter_flags.fill(HS_FLAG_SINGLEMATCH);
    for (unsigned i = 0; i < prefilter_ids.size(); ++i) prefilter_ids[i] = i;
    prefilter_ = compile(kPrefilter.data(), prefilter_flags.data(), prefilter_ids.data(),
                         static_cast<unsigned>(kPrefilter.size()), "prefilter");

    std::array<const char*, kHeadCount> head_expressions;
    std::array<unsigned, kHeadCount> head_flags{};
    std::array<unsigned, kHeadCount> head_ids;
    for (unsigned i = 0; i < kHeadCount; ++i) {
      head_expressions[i] = kHeads[i].expression;
      head_ids[i] = i;
    }
    try {
      heads_ = compile(head_expressions.data(), head_flags.data(), head_ids.data(),
                       static_cast<unsigned>(kHeadCount), "anchor");
    } catch (...) {
      hs_free_database(prefilter_);
      throw;
    }
  }
  ~PrivacyPatterns() {
    hs_free_database(heads_);
    hs_free_database(prefilter_);
  }
  PrivacyPatterns(const PrivacyPatterns&) = delete;
  PrivacyPatterns& operator=(const PrivacyPatterns&) = delete;

  const hs_database_t* prefilter() const noexcept { return prefilter_; }
  const hs_database_t* heads() const noexcept { return heads_; }

 private:
  hs_database_t* prefilter_ = nullptr;
  hs_database_t* heads_ = nullptr;
};

struct PrivacyScanner::Impl {
  std::shared_ptr<const PrivacyPatterns> patterns;
  hs_scratch_t* scratch = nullptr;
  // Reused across find_spans calls: candidate heads as (head << 32 | start), and the
  // spans of every pattern before the merge.
  std::vector<std::uint64_t> heads;
  std::vector<Span> found;
  std::vector<Span> key_spans;  // append_path_key's, apart from its callers' spans

  void add(std::size_t begin, std::size_t end, PrivacyKind kind) {
    found.push_back(Span{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end), kind});
  }

  void find_emails(std::string_view text);
  void find_heads(std::string_view text, Head head, std::span<const std::uint64_t> starts);
  void merge_into(std::vector<Span>& out);
};

// Email: the leftmost start for an `@` is the first local-part byte at or after the end
// of the previous match; all starts for one `@` share the same longest domain.
void PrivacyScanner::Impl::find_emails(std::string_view text) {
  std::size_t last_end = 0;
  for (std::size_t at = text.find('@'); at != npos; at = text.find('@', at + 1)) {
    // The previous `@` is no local-part byte, so these backward walks never overlap.
    std::size_t begin = at;
    while (begin > last_end && kLocalChar(text[begin - 1])) --begin;
    if (begin == at) continue;

    // [A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}: the longest match ends after the
    // letters that open the last label with at least two of them.
    std::size_t pos = run_end(text, at + 1, kLabelChar);
    if (pos == at + 1) continue;
    std::size_t end = npos;
    while (pos < text.size() && text[pos] == '.') {
      const std::size_t label = pos + 1;
      pos = run_end(text, label, kLabelChar);
      if (pos == label) break;  // an empty label ends the domain
      const std::size_t letters = run_end(text, label, kAlpha);
      if (letters - label >= 2) end = letters;
    }
    if (end == npos) continue;

    // A match whose local part is exactly `git` is found, then dropped: the search goes
    // on after it, so `git@github.com` yields no `it@github.com`.
    last_end = end;
    if (text.substr(begin, at - begin) != "git") add(begin, end, PrivacyKind::email);
  }
}

// One fixed-head pattern over its candidate starts, ascending. `last_end` makes the
// matches of one pattern disjoint: a head inside an earlier match is not a start.
void PrivacyScanner::Impl::find_heads(std::string_view text, Head head,
                                      std::span<const std::uint64_t> starts) {
  const std::size_t width = kHeads[static_cast<std::size_t>(head)].width;
  std::size_t last_end = 0;
  // JWT: heads inside one failed first segment share its outcome; remembering it keeps
  // `eyJ-eyJ-eyJ-...` linear.
  std::size_t jwt_segment_end = 0;
  std::size_t jwt_end = npos;

  for (const std::uint64_t packed : starts) {
    const std::size_t start = static_cast<std::uint32_t>(packed);
    if (start < last_end) continue;
    const std::size_t body = start + width;
    std::size_t end = npos;
    switch (head) {
      case Head::aws_key:
        end = fixed_then_boundary(text, body, 16, kUpperDigit);
        break;
      case Head::github_token:
        end = fixed_then_boundary(text, body, 36, kAlnum);
        break;
      case Head::github_pat:
        end = at_least(text, body, 22, kWord);
        break;
      case Head::api_key:
        end = at_least(text, body, 20, kKeyChar);
        break;
      case Head::slack_token:
        end = at_least(text, body, 10, kLabelChar);
        break;
      case Head::google_key:
        end = run_end_within(text, body, 35, kKeyChar) == body + 35 ? body + 35 : npos;
        break;
      case Head::pem: {
        const std::size_t line_end = pem_label_end(text, body);
        if (line_end == npos) break;
        // Through the first END line after it, else to the end of the string.
        end = text.size();
        constexpr std::string_view kEnd = "-----END ";
        for (std::size_t at = text.find(kEnd, line_end); at != npos;
             at = text.find(kEnd, at + kEnd.size())) {
          const std::size_t end_line = pem_label_end(text, at + kEnd.size());
          if (end_line != npos) {
            end = end_line;
            break;
          }
        }
        break;
      }
      case Head::jwt: {
        if (body >= jwt_segment_end) {
          jwt_segment_end = run_end(text, body, kKeyChar);
          jwt_end = npos;
          const std::size_t second = jwt_segment_end + 1;
          if (jwt_segment_end < text.size() && text[jwt_segment_end] == '.') {
            const std::size_t second_end = at_least(text, second, 10, kKeyChar);
            if (second_end != npos && second_end < text.size() && text[second_end] == '.') {
              jwt_end = at_least(text, second_end + 1, 10, kKeyChar);
            }
          }
        }
        if (jwt_segment_end - body >= 10) end = jwt_end;
        break;
      }
      case Head::bearer: {
        const std::size_t token = run_end(text, body, kBlank);
        const std::size_t token_end = at_least(text, token, 20, kBearerChar);
        if (token_end != npos) end = run_end(text, token_end, kPadding);
        break;
      }
      case Head::home:
      case Head::users:
      case Head::drive_users: {
        // Hyperscan cannot look behind: `/home/` and `/Users/` must not follow a NAME byte.
        if (head != Head::drive_users && start > 0 && kNameChar(text[start - 1])) break;
        const std::size_t name_end = run_end(text, body, kNameChar);
        if (name_end == body) break;
        last_end = name_end;
        const std::string_view name = text.substr(body, name_end - body);
        if (name == "Shared" || name.find_first_not_of('.') == npos) break;
        add(body, name_end, PrivacyKind::user_path);
        break;
      }
    }
    if (end != npos && head < Head::home) {
      last_end = end;
      add(start, end, PrivacyKind::secret);
    }
  }
}

// Overlapping spans become one, transitively; touching spans stay apart. Sorting by
// (begin, longest, kind) puts the span that names each merged group first.
void PrivacyScanner::Impl::merge_into(std::vector<Span>& out) {
  std::sort(found.begin(), found.end(), [](const Span& a, const Span& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.end != b.end) return a.end > b.end;
    return a.kind < b.kind;
  });
  for (std::size_t i = 0; i < found.size();) {
    Span merged = found[i];
    for (++i; i < found.size() && found[i].begin < merged.end; ++i) {
      merged.end = std::max(merged.end, found[i].end);
    }
    out.push_back(merged);
  }
}

std::shared_ptr<const PrivacyPatterns> PrivacyScanner::compile_patterns() {
  return std::make_shared<const PrivacyPatterns>();
}

std::shared_ptr<const PrivacyPatterns> PrivacyScanner::shared_patterns() {
  // A function-local static: compiled once, thread-safe, and a failed compile is
  // tried again by the next caller.
  static const std::shared_ptr<const PrivacyPatterns> patterns = compile_patterns();
  return patterns;
}

PrivacyScanner::PrivacyScanner(std::shared_ptr<const PrivacyPatterns> patterns)
    : impl_(std::make_unique<Impl>()) {
  impl_->patterns = std::move(patterns);
  // One scratch sized for both databases.
  if (hs_alloc_scratch(impl_->patterns->prefilter(), &impl_->scratch) != HS_SUCCESS ||
      hs_alloc_scratch(impl_->patterns->heads(), &impl_->scratch) != HS_SUCCESS) {
    hs_free_scratch(impl_->scratch);
    throw std::runtime_error("hyperscan could not allocate scratch space");
  }
}

PrivacyScanner::~PrivacyScanner() { hs_free_scratch(impl_->scratch); }

bool PrivacyScanner::may_match(std::string_view joined) noexcept {
  // Hyperscan takes an unsigned length; a longer buffer is reported as a possible match
  // rather than half scanned.
  if (joined.size() > UINT_MAX) return true;
  const hs_error_t rc =
      hs_scan(impl_->patterns->prefilter(), joined.data(), static_cast<unsigned>(joined.size()), 0,
              impl_->scratch, stop_at_first_match, nullptr);
  // HS_SCAN_TERMINATED means a match stopped the scan; any other failure must not
  // let a record through unscanned.
  return rc != HS_SUCCESS;
}

void PrivacyScanner::find_spans(std::string_view text, std::vector<Span>& out) {
  // Spans hold 32-bit offsets; records are bounded far below that (max_record_bytes).
  if (text.size() > UINT32_MAX) std::abort();
  Impl& impl = *impl_;
  impl.heads.clear();
  impl.found.clear();

  struct Collector {
    std::vector<std::uint64_t>* heads;
    bool out_of_memory;
  } collector{&impl.heads, false};
  const auto on_head = [](unsigned id, unsigned long long, unsigned long long to, unsigned,
                          void* context) noexcept -> int {
    auto& c = *static_cast<Collector*>(context);
    const std::uint64_t start = to - kHeads[id].width;
    // No exception may unwind through Hyperscan: stop the scan and rethrow after it.
    try {
      c.heads->push_back(std::uint64_t{id} << 32 | start);
    } catch (const std::bad_alloc&) {
      c.out_of_memory = true;
      return 1;
    }
    return 0;
  };
  const hs_error_t rc =
      hs_scan(impl.patterns->heads(), text.data(), static_cast<unsigned>(text.size()), 0,
              impl.scratch, on_head, &collector);
  if (collector.out_of_memory) throw std::bad_alloc();
  if (rc != HS_SUCCESS) std::abort();  // only a misuse of the scratch space gets here

  // Hyperscan does not promise the order of reports; the matchers need each head's
  // starts ascending.
  std::sort(impl.heads.begin(), impl.heads.end());
  const std::span<const std::uint64_t> all(impl.heads);
  for (std::size_t i = 0; i < all.size();) {
    const std::uint64_t id = all[i] >> 32;
    std::size_t j = i;
    while (j < all.size() && (all[j] >> 32) == id) ++j;
    impl.find_heads(text, static_cast<Head>(id), all.subspan(i, j - i));
    i = j;
  }
  impl.find_emails(text);
  impl.merge_into(out);
}

void PrivacyScanner::append_path_key(std::string_view key, std::string& out) {
  std::vector<Span>& spans = impl_->key_spans;
  spans.clear();
  find_spans(key, spans);
  // Span bounds fall on ASCII bytes of the patterns (or the end), never inside a
  // UTF-8 sequence, so each piece between them escapes on its own.
  std::size_t pos = 0;
  for (const Span& s : spans) {
    append_json_escaped(key.substr(pos, s.begin - pos), out);
    out += "[REDACTED:";
    out += to_string(s.kind);
    out += ']';
    pos = s.end;
  }
  append_json_escaped(key.substr(pos), out);
}

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of `\uXXXX` at `pos` (pointing at the backslash), or -1.
long code_unit_at(std::string_view raw, std::size_t pos) noexcept {
  if (pos + 6 > raw.size() || raw[pos] != '\\' || raw[pos + 1] != 'u') return -1;
  long unit = 0;
  for (std::size_t k = pos + 2; k < pos + 6; ++k) {
    const int h = hex_value(raw[k]);
    if (h < 0) return -1;
    unit = unit * 16 + h;
  }
  return unit;
}

// One element of a raw string body: a byte as written, or a whole escape sequence.
struct Element {
  std::size_t raw_size;    // bytes as written
  std::size_t value_size;  // bytes once unescaped
};

Element element_at(std::string_view raw, std::size_t pos) noexcept {
  if (raw[pos] != '\\' || pos + 1 >= raw.size()) return {1, 1};
  if (raw[pos + 1] != 'u') return {2, 1};
  const long unit = code_unit_at(raw, pos);
  if (unit < 0) return {2, 1};  // not valid JSON; keep walking byte by byte
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    const long low = code_unit_at(raw, pos + 6);
    if (low >= 0xDC00 && low <= 0xDFFF) return {12, 4};  // one code point, 4 bytes
  }
  return {6, unit < 0x80 ? 1u : unit < 0x800 ? 2u : 3u};
}

}  // namespace

void append_redacted(std::string_view raw, std::span<const Span> spans, std::string& out) {
  std::size_t value_pos = 0;  // offset in the unescaped value
  std::size_t next = 0;       // the first span not yet finished
  bool marked = false;        // the marker of spans[next] is written
  for (std::size_t pos = 0; pos < raw.size();) {
    const Element e = element_at(raw, pos);
    const std::size_t value_end = value_pos + e.value_size;
    bool covered = false;
    // Every span touching this element replaces all of it; one element can end one span
    // and start the next (a multi-byte escape split between two spans).
    while (next < spans.size() && spans[next].begin < value_end) {
      if (spans[next].end > value_pos) {
        covered = true;
        if (!marked) {
          out += "[REDACTED:";
          out += to_string(spans[next].kind);
          out += ']';
          marked = true;
        }
        if (spans[next].end > value_end) break;  // goes on past this element
      }
      ++next;
      marked = false;
    }
    if (!covered) out.append(raw.substr(pos, e.raw_size));
    pos += e.raw_size;
    value_pos = value_end;
  }
}

}  // namespace skillstream::processor
