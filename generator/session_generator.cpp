#include "generator/session_generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>
#include <vector>

namespace skillstream::generator {
namespace {

using processor::KindSet;
using processor::PrivacyKind;
using processor::Reason;

constexpr std::uint32_t kNone = 0xffffffffu;

// Size bounds of ordinary records. Content is fitted to kFitBytes before a plant or
// a defect is added, which adds at most ~700 bytes: every record stays under 4 KiB.
constexpr std::size_t kMinBytes = 200;
constexpr std::size_t kFitBytes = 2900;

// ---------------------------------------------------------------------------------
// Randomness

// xoshiro256** seeded through splitmix64. Fixed integer arithmetic only, so one seed
// gives the same bytes on every platform and standard library
// (std::uniform_int_distribution and friends are implementation-defined).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) for n > 0 (multiply-shift; the bias is far below what matters).
  std::uint32_t below(std::size_t n) noexcept {
    return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }
  int between(int lo, int hi) noexcept {
    return lo + static_cast<int>(below(static_cast<std::size_t>(hi - lo + 1)));
  }
  bool chance(double p) noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& a) noexcept {
    return a[below(N)];
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// ---------------------------------------------------------------------------------
// A small JSON tree in two flat arenas (nodes and text), cleared and reused for every
// record: defects can remove, replace or duplicate any field before serialization.

enum class NodeType : std::uint8_t {
  object,
  array,
  string,      // text is the unescaped content, encoded when serialized
  raw,         // text is written as is (numbers, literals, deliberately broken JSON)
  raw_member,  // in an object: the whole `"key": value` text, written as is
};

struct Node {
  NodeType type = NodeType::object;
  bool escape_key = false;  // write the key with one character \u-escaped
  std::uint32_t key_off = 0;
  std::uint32_t key_len = 0;
  std::uint32_t text_off = 0;
  std::uint32_t text_len = 0;
  std::uint32_t first = kNone;
  std::uint32_t last = kNone;
  std::uint32_t next = kNone;
};

class Tree {
 public:
  // Starts a new record: node 0 is the top-level object.
  std::uint32_t reset() {
    nodes_.clear();
    text_.clear();
    nodes_.emplace_back();
    return 0;
  }

  std::uint32_t add(std::uint32_t parent, std::string_view key, NodeType type,
                    std::string_view text = {}) {
    Node n;
    n.type = type;
    n.key_off = store(key);
    n.key_len = static_cast<std::uint32_t>(key.size());
    n.text_off = store(text);
    n.text_len = static_cast<std::uint32_t>(text.size());
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(n);
    Node& p = nodes_[parent];
    if (p.last == kNone) {
      p.first = id;
    } else {
      nodes_[p.last].next = id;
    }
    p.last = id;
    return id;
  }
  std::uint32_t obj(std::uint32_t parent, std::string_view key = {}) {
    return add(parent, key, NodeType::object);
  }
  std::uint32_t arr(std::uint32_t parent, std::string_view key = {}) {
    return add(parent, key, NodeType::array);
  }
  std::uint32_t str(std::uint32_t parent, std::string_view key, std::string_view content) {
    return add(parent, key, NodeType::string, content);
  }
  std::uint32_t raw(std::uint32_t parent, std::string_view key, std::string_view text) {
    return add(parent, key, NodeType::raw, text);
  }
  std::uint32_t boolean(std::uint32_t parent, std::string_view key, bool v) {
    return raw(parent, key, v ? "true" : "false");
  }

  // Replaces a node's value, dropping its children; the key stays.
  void set(std::uint32_t id, NodeType type, std::string_view text = {}) {
    const auto off = store(text);
    Node& n = nodes_[id];
    n.type = type;
    n.text_off = off;
    n.text_len = static_cast<std::uint32_t>(text.size());
    n.first = n.last = kNone;
  }

  std::uint32_t find(std::uint32_t parent, std::string_view key) const {
    for (auto c = nodes_[parent].first; c != kNone; c = nodes_[c].next) {
      if (nodes_[c].type != NodeType::raw_member && this->key(c) == key) return c;
    }
    return kNone;
  }
  std::uint32_t child(std::uint32_t parent, std::size_t index) const {
    auto c = nodes_[parent].first;
    for (; c != kNone && index > 0; --index) c = nodes_[c].next;
    return c;
  }
  std::size_t count(std::uint32_t parent) const {
    std::size_t n = 0;
    for (auto c = nodes_[parent].first; c != kNone; c = nodes_[c].next) ++n;
    return n;
  }
  bool remove(std::uint32_t parent, std::uint32_t id) {
    std::uint32_t prev = kNone;
    for (auto c = nodes_[parent].first; c != kNone; prev = c, c = nodes_[c].next) {
      if (c != id) continue;
      const auto nx = nodes_[c].next;
      if (prev == kNone) {
        nodes_[parent].first = nx;
      } else {
        nodes_[prev].next = nx;
      }
      if (nodes_[parent].last == c) nodes_[parent].last = prev;
      return true;
    }
    return false;
  }

  // Puts the children of `parent` in a random order.
  void shuffle(std::uint32_t parent, Rng& rng) {
    order_.clear();
    for (auto c = nodes_[parent].first; c != kNone; c = nodes_[c].next) order_.push_back(c);
    if (order_.size() < 2) return;
    for (std::size_t i = order_.size() - 1; i > 0; --i) {
      std::swap(order_[i], order_[rng.below(i + 1)]);
    }
    relink(parent);
  }
  // Moves the last child of `parent` to a random position.
  void move_last_randomly(std::uint32_t parent, Rng& rng) {
    order_.clear();
    for (auto c = nodes_[parent].first; c != kNone; c = nodes_[c].next) order_.push_back(c);
    if (order_.size() < 2) return;
    const auto last = order_.back();
    order_.pop_back();
    order_.insert(order_.begin() + rng.below(order_.size() + 1), last);
    relink(parent);
  }

  const Node& node(std::uint32_t id) const { return nodes_[id]; }
  Node& node(std::uint32_t id) { return nodes_[id]; }
  std::string_view key(std::uint32_t id) const {
    return {text_.data() + nodes_[id].key_off, nodes_[id].key_len};
  }
  std::string_view text(std::uint32_t id) const {
    return {text_.data() + nodes_[id].text_off, nodes_[id].text_len};
  }

 private:
  std::uint32_t store(std::string_view s) {
    const auto off = static_cast<std::uint32_t>(text_.size());
    text_.append(s);
    return off;
  }
  void relink(std::uint32_t parent) {
    nodes_[parent].first = order_.front();
    for (std::size_t i = 0; i + 1 < order_.size(); ++i) nodes_[order_[i]].next = order_[i + 1];
    nodes_[order_.back()].next = kNone;
    nodes_[parent].last = order_.back();
  }

  std::vector<Node> nodes_;
  std::string text_;
  std::vector<std::uint32_t> order_;
};

// ---------------------------------------------------------------------------------
// Serialization: every valid spelling of the same record is fair game, so whitespace
// and string escaping vary per record (and, in mixed mode, per character).

enum class Spacing : std::uint8_t { compact, spaced, loose };
enum class Escapes : std::uint8_t { raw_utf8, unicode, mixed };

struct Style {
  Spacing spacing = Spacing::compact;
  Escapes escapes = Escapes::raw_utf8;
  bool upper_hex = false;
  bool escape_solidus = false;  // write some '/' as "\/"
  bool escape_ascii = false;    // write some ASCII letters, '@' and '.' as \u00XX
};

// Decodes one code point of valid UTF-8 (the generator only stores valid content).
inline char32_t decode_utf8(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
  char32_t cp = b0 & (len == 4 ? 0x07u : len == 3 ? 0x0Fu : 0x1Fu);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  i += static_cast<std::size_t>(len);
  return cp;
}

inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

inline void append_u16(std::string& out, std::uint32_t unit, bool upper) {
  static constexpr char lower_digits[] = "0123456789abcdef";
  static constexpr char upper_digits[] = "0123456789ABCDEF";
  const char* d = upper ? upper_digits : lower_digits;
  out += "\\u";
  out += d[(unit >> 12) & 0xF];
  out += d[(unit >> 8) & 0xF];
  out += d[(unit >> 4) & 0xF];
  out += d[unit & 0xF];
}

inline void append_escaped_cp(std::string& out, char32_t cp, bool upper) {
  if (cp >= 0x10000) {
    const auto v = static_cast<std::uint32_t>(cp - 0x10000);
    append_u16(out, 0xD800 + (v >> 10), upper);
    append_u16(out, 0xDC00 + (v & 0x3FF), upper);
  } else {
    append_u16(out, static_cast<std::uint32_t>(cp), upper);
  }
}

inline bool is_escapable_ascii(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@' ||
         c == '.' || c == '-' || c == '_';
}

// Minimal JSON escaping of valid UTF-8 (for text that goes into raw nodes).
void append_json_plain(std::string& out, std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20) {
      append_u16(out, u, false);
    } else {
      out += c;
    }
  }
}

class Writer {
 public:
  Writer(const Tree& tree, const Style& style, Rng& rng, std::string& out)
      : t_(tree), st_(style), rng_(rng), out_(out) {
    // The bytes string() must look at under this style; runs of others are copied.
    for (int b = 0; b < 256; ++b) {
      const auto c = static_cast<char>(b);
      bool look = b < 0x20 || c == '"' || c == '\\';
      look = look || (b >= 0x80 && st_.escapes != Escapes::raw_utf8);
      look = look || (c == '/' && st_.escape_solidus);
      attention_[static_cast<std::size_t>(b)] = look || (st_.escape_ascii && is_escapable_ascii(c));
      attention_forced_[static_cast<std::size_t>(b)] = look || is_escapable_ascii(c);
    }
  }

  void value(std::uint32_t id) {
    const Node& n = t_.node(id);
    switch (n.type) {
      case NodeType::object:
        container(id, '{', '}', true);
        break;
      case NodeType::array:
        container(id, '[', ']', false);
        break;
      case NodeType::string:
        string(t_.text(id), false);
        break;
      case NodeType::raw:
      case NodeType::raw_member:
        out_ += t_.text(id);
        break;
    }
  }

  // One JSON string token for `content` (valid UTF-8).
  void string(std::string_view content, bool force_one_escape) {
    out_ += '"';
    std::size_t forced = kNone;
    if (force_one_escape) {
      // Pick one escapable ASCII character to write as \u00XX.
      std::size_t candidates = 0;
      for (char c : content) candidates += is_escapable_ascii(c) ? 1 : 0;
      if (candidates > 0) forced = rng_.below(candidates);
    }
    const auto& attention = forced == kNone ? attention_ : attention_forced_;
    std::size_t escapable_seen = 0;
    std::size_t run = 0;  // bytes from `run` to `i` are copied as they are
    std::size_t i = 0;
    while (i < content.size()) {
      const auto u = static_cast<unsigned char>(content[i]);
      if (!attention[u]) {
        ++i;
        continue;
      }
      out_.append(content.data() + run, i - run);
      if (u >= 0x80) {
        const std::size_t start = i;
        const char32_t cp = decode_utf8(content, i);
        if (st_.escapes == Escapes::unicode || rng_.chance(0.5)) {
          append_escaped_cp(out_, cp, st_.upper_hex);
        } else {
          out_.append(content.data() + start, i - start);
        }
      } else {
        ++i;
        if (u < 0x20 || u == '"' || u == '\\') {
          append_short_escape(u);
        } else if (u == '/' && st_.escape_solidus && rng_.chance(0.5)) {
          out_ += "\\/";
        } else if (is_escapable_ascii(static_cast<char>(u)) &&
                   (escapable_seen++ == forced || (st_.escape_ascii && rng_.chance(0.06)))) {
          append_u16(out_, u, st_.upper_hex);
        } else {
          out_ += static_cast<char>(u);
        }
      }
      run = i;
    }
    out_.append(content.data() + run, content.size() - run);
    out_ += '"';
  }

 private:
  // '"', '\\' and control characters: the short escape when JSON has one.
  void append_short_escape(unsigned char u) {
    switch (u) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      default:
        append_u16(out_, u, st_.upper_hex);
        break;
    }
  }

  void container(std::uint32_t id, char open, char close, bool is_object) {
    out_ += open;
    bool first = true;
    for (auto c = t_.node(id).first; c != kNone; c = t_.node(c).next) {
      if (!first) comma();
      if (first) lead();
      first = false;
      const Node& n = t_.node(c);
      if (is_object && n.type != NodeType::raw_member) {
        string(t_.key(c), n.escape_key);
        colon();
      }
      value(c);
    }
    if (!first) trail();
    out_ += close;
  }
  void comma() {
    switch (st_.spacing) {
      case Spacing::compact:
        out_ += ',';
        break;
      case Spacing::spaced:
        out_ += ", ";
        break;
      case Spacing::loose: {
        static constexpr std::array<std::string_view, 5> forms = {", ", " , ", ",\t", ",  ",
                                                                  "\t,\t"};
        out_ += rng_.pick(forms);
        break;
      }
    }
  }
  void colon() {
    switch (st_.spacing) {
      case Spacing::compact:
        out_ += ':';
        break;
      case Spacing::spaced:
        out_ += ": ";
        break;
      case Spacing::loose: {
        static constexpr std::array<std::string_view, 5> forms = {": ", " : ", ":\t", " :",
                                                                  "\t:  "};
        out_ += rng_.pick(forms);
        break;
      }
    }
  }
  void lead() {
    if (st_.spacing == Spacing::loose) out_ += rng_.chance(0.5) ? " " : "\t";
  }
  void trail() {
    if (st_.spacing == Spacing::loose) out_ += rng_.chance(0.5) ? " " : "";
  }

  const Tree& t_;
  const Style& st_;
  Rng& rng_;
  std::string& out_;
  std::array<bool, 256> attention_{};
  std::array<bool, 256> attention_forced_{};
};

// ---------------------------------------------------------------------------------
// Vocabulary. Every entry was chosen so that no section-3 pattern matches it: no '@'
// except `git@`-style remotes and near misses without a domain, no /home/ or /Users/
// after a separator, no `sk-`, `AKIA`, `eyJ`... at a word start. Near misses that
// must not match are used on purpose.

using Words = std::string_view;

constexpr std::array<Words, 24> kModels = {"Llama-3-70B",      "Llama-3.1-8B-Instruct",
                                           "Llama-2-13B",      "Mistral-7B-Instruct",
                                           "Mixtral-8x7B",     "Qwen2-72B",
                                           "Qwen2-VL-7B",      "Gemma-2-9B",
                                           "Phi-3-mini",       "DeepSeek-V2-Lite",
                                           "OLMo-7B",          "Falcon-40B",
                                           "BERT-base",        "T5-XL",
                                           "Whisper-large-v3", "SDXL-1.0",
                                           "CodeLlama-34B",    "Yi-34B",
                                           "Llama-70B",        "StarCoder2-15B",
                                           "Mamba-2.8B",       "ViT-H/14",
                                           "GPT-J-6B",         "InternLM2-20B"};

constexpr std::array<Words, 14> kGpus = {"A100 80GB", "H100 SXM",  "H200",     "L40S",  "RTX 4090",
                                         "A10G",      "V100 32GB", "MI300X",   "T4",    "L4",
                                         "A6000",     "GH200",     "RTX 3090", "MI250X"};

constexpr std::array<Words, 12> kKernels = {
    "flash_fwd_kernel", "paged_attention_v2", "fused_moe",         "rms_norm",
    "rotary_embedding", "silu_and_mul",       "gemm_fp8",          "all_reduce",
    "topk_softmax",     "awq_gemm",           "cutlass_scaled_mm", "reshape_and_cache"};

constexpr std::array<Words, 10> kQuants = {
    "AWQ 4-bit",        "GPTQ int4",    "FP8 (E4M3)", "GGUF Q4_K_M", "bitsandbytes NF4",
    "INT8 SmoothQuant", "EXL2 4.65bpw", "HQQ 3-bit",  "Marlin int4", "FP6"};

struct Skill {
  Words name;
  Words path;
};
constexpr std::array<Skill, 20> kSkills = {{
    {"vllm", "12-vllm-inference"},
    {"deepspeed", "08-deepspeed-zero"},
    {"flash-attention", "15-flash-attention"},
    {"tensorrt-llm", "13-tensorrt-llm"},
    {"llama.cpp", "21-llama-cpp"},
    {"bitsandbytes", "09-bnb-quant"},
    {"peft-lora", "05-peft-lora"},
    {"accelerate", "04-accelerate"},
    {"jax-tpu", "17-jax"},
    {"triton-kernels", "19-triton"},
    {"langchain", "30-langchain"},
    {"ray-serve", "24-ray-serve"},
    {"text-generation-inference", "14-tgi"},
    {"axolotl", "06-axolotl"},
    {"unsloth", "07-unsloth"},
    {"megatron-lm", "10-megatron"},
    {"pytorch-fsdp", "11-fsdp"},
    {"onnx-runtime", "22-onnx"},
    {"sglang", "16-sglang"},
    {"mlx", "23-mlx"},
}};

constexpr std::array<Words, 7> kRepos = {"https://github.com/Orchestra-Research/AI-research-SKILLs",
                                         "https://github.com/vllm-project/vllm",
                                         "https://gitlab.com/research/skills-catalog",
                                         "git@github.com:acme-ml/skills.git",
                                         "git+https://github.com/acme-ml/skills.git",
                                         "https://huggingface.co/spaces/skills-hub/catalog",
                                         "ssh://git@gitlab.internal.example/ml/skills.git"};

constexpr std::array<Words, 9> kVersions = {"v1.2.0", "main",        "2025.01",
                                            "0.4.2",  "sha-3f9c2ab", "v0.6.3.post1",
                                            "v2",     "1.0.0-rc.3",  "release/2024-12"};

constexpr std::array<Words, 7> kLocalPrefixes = {"~/.claude/skills/",
                                                 "./skills/",
                                                 "/opt/skills/",
                                                 "/workspace/skills/",
                                                 "C:\\Program Files\\Skills\\",
                                                 "/Users/Shared/skills/",
                                                 "/srv/ml/skills/"};

constexpr std::array<Words, 32> kDescriptions = {
    "Deploy {M} on multi-GPU setup for high-throughput inference",
    "Deploy {M} on {T}x {G} with tensor_parallel_size={T}",
    "Fine-tune {M} with LoRA (r={N}, alpha={B}) on a {N}k-sample instruction set",
    "Quantize {M} to {Q} and compare perplexity against bf16",
    "Debug NCCL timeout during all-reduce with tensor_parallel_size={T}",
    "Set up continuous batching for {M} with max_num_seqs={N}",
    "Profile the \"{K}\" kernel; SM occupancy stuck at {P}%",
    "Convert checkpoint from HF format to GGUF (models\\{M}\\weights)",
    "Run lm-eval-harness on {M}: MMLU, GSM8K and HumanEval",
    "Investigate why {M} outputs repeat after ~{B} tokens",
    "Migrate the training script from DeepSpeed ZeRO-3 to FSDP for {M}",
    "Benchmark prefix caching for {M} with 8k-token prompts",
    "Serve {M} behind an OpenAI-compatible endpoint with streaming",
    "Reduce time-to-first-token for {M} below {F} s at batch size {N}",
    "Train a reward model on top of {M} with DPO",
    "Step 1: build the TensorRT engine for {M}\nStep 2: run the throughput benchmark",
    "Fix 'CUDA error: an illegal memory access' in {K} on {G}",
    "Enable speculative decoding (draft model {M}) and measure acceptance rate",
    "Shard {M} across {T} nodes with pipeline parallelism",
    "Export {M} to ONNX and validate outputs against PyTorch (atol=1e-3)",
    "Tune gpu_memory_utilization for {M} on {G}; OOM at {F}",
    "Reproduce the paper's {P}% accuracy with {M} on ARC-Challenge",
    "在 {T} 张 {G} 上部署 {M} 推理服务",
    "{M} を vLLM でデプロイし、スループットを測定する",
    "Optimiser le débit d'inférence de {M} sur {G} — étape {N}",
    "Entrenar {M} con precisión mixta y caché de prefijos",
    "Größere Batchgrößen für {M} testen (Speicherbedarf prüfen)",
    "🚀 Ship {M} behind TGI with token streaming ✅",
    "Пробный запуск {M} на {T}× {G}",
    "{M} 모델을 {Q}로 양자화하고 정확도 비교",
    "Set CUDA_VISIBLE_DEVICES=0,1 and run {M} with\ttabs in the log",
    "Write a task-queue-management-system for batched {M} evaluation"};

constexpr std::array<Words, 22> kNotes = {
    "Working after applying community fix for memory leak",
    "Partially working; streaming still flaky",
    "Throughput {B} tok/s → {B} tok/s after enabling prefix caching",
    "Needed `--enforce-eager`; see issue #{B}",
    "OOM solved by reducing gpu_memory_utilization to 0.{N}",
    "Loss diverged at step {B}, rolled back to checkpoint-{B}",
    "性能提升约 {P}%，但首个 token 延迟仍然偏高",
    "Tout fonctionne après la mise à jour du pilote ✅",
    "Works on {G}, still fails on {G} with the same config",
    "Used \"max_model_len\": 8192 in the engine args",
    "Checked logs under ~/.cache/vllm and /var/log/nvidia",
    "Build logs: C:\\Program Files\\NVIDIA GPU Computing Toolkit\\CUDA\\v12.1",
    "p99 latency {F} s → {F} s",
    "Merged adapters before quantizing; quality within {F}%",
    "Docs unclear on kv_cache_dtype; trial and error",
    "Remote is git@github.com:acme-ml/inference-recipes.git (branch main)",
    "pip install flash-attn==2.5.8 --no-build-isolation fixed the wheel",
    "Emoji in logs 😅 broke the old parser, fine now 👍",
    "La caché de prefijos ayuda solo con prompts largos",
    "Ran as root@gpu-node-01 inside the container",
    "Zero-width joiner in tokens: 👩‍💻 counts as several tokens",
    "Line 1\nLine 2\r\nLine 3 with a \\ backslash"};

struct Issue {
  Words type;
  Words description;
  Words resolution;
};
constexpr std::array<Issue, 18> kIssues = {{
    {"error", "CUDA OOM on GPU 0 during model loading with tensor_parallel_size={T}",
     "Set CUDA_VISIBLE_DEVICES before importing vllm module"},
    {"warning", "enforce_eager=True was needed for stability",
     "Added enforce_eager=True to LLM constructor"},
    {"confusion", "Unclear whether LoRA adapters are merged before quantization",
     "Merged adapters first, then quantized"},
    {"performance", "First-token latency above {F} s for 8k prompts", "Enabled chunked prefill"},
    {"error", "RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp",
     "Set NCCL_P2P_DISABLE=1 on the PCIe nodes"},
    {"error", "ImportError: libcudart.so.12: cannot open shared object file",
     "Installed the cu121 wheel instead of cu118"},
    {"warning", "`torch.cuda.amp.autocast(args...)` is deprecated",
     "Switched to torch.amp.autocast('cuda')"},
    {"performance", "Throughput dropped {P}% after enabling {Q}",
     "Used the Marlin kernel for int4 weights"},
    {"confusion", "Docs say \"max_num_batched_tokens\" but the CLI flag differs",
     "Read the argparse source to find --max-num-batched-tokens"},
    {"error", "Segfault in {K} with head_dim=256", "Upgraded to the nightly build"},
    {"performance", "モデルの読み込みが遅い（約 {N} 秒）", "safetensors 形式に変換した 🚀"},
    {"warning", "Tokenizer warning: \"special tokens were added\"",
     "Set add_special_tokens=False for the chat template"},
    {"error", "ValueError: Bfloat16 is only supported on GPUs with compute capability >= 8.0",
     "Fell back to float16 on {G}"},
    {"confusion", "Quelle valeur pour rope_scaling avec un contexte de 32k ?",
     "Utilisé {\"type\": \"dynamic\", \"factor\": 4.0}"},
    {"performance", "p99 latency {F} s → {F} s target missed", "Batched requests in groups of {N}"},
    {"error", "OSError: [Errno 28] No space left on device while saving checkpoint-{B}",
     "Moved checkpoints to /mnt/nvme/ckpt"},
    {"warning", "Gradient norm spiked to {B} at step {B}", "Lowered the learning rate to 1e-5"},
    {"error", "KeyError: 'model.layers.{N}.self_attn.q_proj.weight'",
     "Mapped parameter names with the conversion script"},
}};

constexpr std::array<Words, 24> kLearnings = {
    "vLLM caches GPU state on import - must set CUDA_VISIBLE_DEVICES before importing",
    "enforce_eager=True improves stability at slight performance cost",
    "Use `torch.cuda.memory_summary()` to see fragmentation",
    "Warm the container by loading weights from local NVMe, not NFS",
    "La caché de prefijos ayuda solo con prompts largos y repetidos",
    "GGUF Q4_K_M is a good size/quality trade-off for 7B models",
    "Unicode normalisation matters: 'é' vs 'é' tokenise differently",
    "Regex \\d+ in the stop sequence needs escaping in YAML",
    "Emoji in prompts are fine ✅👍🔥 but count as several tokens",
    "A 70B model in bf16 needs ~140 GB just for weights",
    "FlashAttention-2 needs head_dim <= 256",
    "NCCL_DEBUG=INFO shows which transport is used",
    "张量并行在 PCIe 上的扩展性很差",
    "Mit FSDP und CPU-Offload sinkt der Durchsatz um ~{P}%",
    "Set \"trust_remote_code\": true only for audited repos",
    "Keep max_model_len below the KV cache capacity: {B} tokens here",
    "DeepSpeed ZeRO-3 + LoRA: save with zero3_save_16bit_model",
    "Tokens/s scales ~linearly up to {T} GPUs, then flattens",
    "Chunked prefill helps p99 latency for mixed prompt lengths",
    "Use \\\\?\\ long paths on Windows for HF cache",
    "Paths like ~/.claude/skills/x are resolved per agent",
    "git@github.com:org/repo.git remotes need an ssh agent in CI",
    "",
    "Profil: {K} dominiert mit {P}% der Zeit"};

constexpr std::array<Words, 22> kTags = {
    "multi-gpu", "production", "llama",    "lora", "quantization", "ci",           "fp8", "nccl",
    "rocm",      "推理",       "données",  "🔥",    "latency",      "moe",          "tpu", "eval",
    "rlhf",      "serving",    "kv-cache", "",     "windows",      "apple-silicon"};

constexpr std::array<Words, 9> kOses = {
    "Ubuntu 22.04",       "Ubuntu 20.04.6 LTS", "Debian 12",
    "macOS 14.4 (arm64)", "Windows 11 + WSL2",  "Rocky Linux 9.3",
    "Arch Linux",         "Amazon Linux 2023",  "NixOS 24.05"};
constexpr std::array<Words, 6> kPythons = {"3.10.12", "3.11.8", "3.12.2", "3.8", "3.9.18", "3.11"};
constexpr std::array<Words, 7> kCudas = {"12.1", "11.8",     "12.4.1", "ROCm 6.0",
                                         "none", "12.2.140", "12.6"};
constexpr std::array<Words, 10> kGpuSetups = {
    "4x NVIDIA A100 80GB",        "8x H100 SXM", "1x RTX 4090", "2x L40S",      "TPU v5e-8", "none",
    "Apple M3 Max (40-core GPU)", "16x H200",    "8× MI300X",   "1x T4 (Colab)"};
constexpr std::array<Words, 7> kMemories = {"512GB", "64 GiB", "1.5TB",      "32GB",
                                            "2 TB",  "16Gi",   "128 GB DDR5"};

constexpr std::array<Words, 8> kAgentStems = {"agent-",  "claude-code-",   "ci-runner-eu-west-1-",
                                              "智能体-", "agent_ünïcode-", "researcher-bot-",
                                              "🤖-",   "evolve-worker-"};

constexpr std::array<Words, 6> kEmptyish = {"",      " ", "\t \n", "\u3000", "\u00a0\u2003\u2009",
                                            "\u0085"};
constexpr std::array<Words, 6> kEmptyish2 = {"\u1680", "\u2028", "\u202f\u205f",
                                             "\v\f",   "\r\n  ", "\u2000\u200a"};

constexpr std::string_view kAlnum =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+";  // no '/': see plant_pem
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }
int days_in(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

void append_int(std::string& s, long long v, int width = 0) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v < 0 ? -v : v);
  (void)ec;
  const auto len = static_cast<int>(end - buf);
  if (v < 0) s += '-';
  for (int i = len; i < width; ++i) s += '0';
  s.append(buf, end);
}

// The reasons a defect can have, with weights: too_large records are 1 MiB each, so
// they are kept rare enough not to dominate a benchmark's bytes.
struct DefectWeight {
  Reason reason;
  int weight;
};
constexpr std::array<DefectWeight, 14> kDefects = {{
    {Reason::empty_payload, 100},
    {Reason::too_large, 1},
    {Reason::invalid_utf8, 100},
    {Reason::malformed_json, 160},
    {Reason::too_deep, 100},
    {Reason::not_an_object, 100},
    {Reason::duplicate_key, 100},
    {Reason::missing_field, 100},
    {Reason::wrong_type, 120},
    {Reason::empty_value, 100},
    {Reason::invalid_format, 120},
    {Reason::invalid_enum, 100},
    {Reason::out_of_range, 100},
    {Reason::privacy_violation, 100},
}};

}  // namespace

// ---------------------------------------------------------------------------------

struct SessionGenerator::Impl {
  explicit Impl(const GeneratorOptions& o) : opt(o), rng(o.seed) {
    for (const auto& d : kDefects) total_weight += d.weight;
  }

  GeneratedLabel next(std::string& out);

  // Fields of the record under construction (node ids), kNone when absent.
  struct Ids {
    std::uint32_t session_id, agent_id, timestamp, skill, task, outcome, issues, learnings,
        community, environment, other;
  };

  void build_valid();
  void fit_size(std::string& out);
  void serialize(std::string& out);
  void new_style();
  void plant_privacy(KindSet& kinds);
  Reason apply_defect(std::string& out);

  // Content helpers: each appends to `s` (a scratch string).
  void expand(std::string& s, std::string_view tpl);
  void session_id(std::string& s);
  void date(std::string& s, int y, int m, int d);
  void random_date(std::string& s);
  void timestamp(std::string& s);
  void agent_id(std::string& s);
  void random_chars(std::string& s, std::string_view alphabet, int n);
  void number(std::string& s);
  void filler(std::string& s, std::size_t bytes);  // exactly `bytes` bytes, no match
  std::uint32_t ensure_issue(bool resolved);
  std::uint32_t ensure_resource();
  std::uint32_t ensure_other();
  std::uint32_t ensure_array(std::uint32_t& id, std::string_view key);
  void add_other_entries(std::uint32_t other, int n);
  void append_plant(PrivacyKind kind, std::string& s);

  void defect_invalid_utf8();
  // True when the defect is an edit of the serialized text, still to be made.
  bool defect_malformed();
  void defect_too_deep();
  void defect_duplicate_key();
  void defect_missing_field();
  void defect_wrong_type();
  void defect_empty_value();
  void defect_invalid_format();
  void defect_invalid_enum();
  void defect_out_of_range();
  void defect_privacy_violation();
  void nest(std::string& s, int levels);

  GeneratorOptions opt;
  Rng rng;
  Tree t;
  Style style;
  Ids ids{};
  bool deep_edge = false;  // the record holds the valid 64-level edge case
  int total_weight = 0;
  std::string s1, s2, s3;
};

void SessionGenerator::Impl::new_style() {
  const auto sp = rng.below(100);
  style.spacing = sp < 55 ? Spacing::compact : sp < 85 ? Spacing::spaced : Spacing::loose;
  const auto es = rng.below(100);
  style.escapes = es < 60 ? Escapes::raw_utf8 : es < 85 ? Escapes::unicode : Escapes::mixed;
  style.upper_hex = rng.chance(0.2);
  style.escape_solidus = rng.chance(0.1);
  style.escape_ascii = rng.chance(0.04);
}

void SessionGenerator::Impl::random_chars(std::string& s, std::string_view alphabet, int n) {
  for (int i = 0; i < n; ++i) s += alphabet[rng.below(alphabet.size())];
}

void SessionGenerator::Impl::date(std::string& s, int y, int m, int d) {
  append_int(s, y, 4);
  s += '-';
  append_int(s, m, 2);
  s += '-';
  append_int(s, d, 2);
}

void SessionGenerator::Impl::random_date(std::string& s) {
  if (rng.chance(0.01)) {
    // Calendar edges that are valid: leap days, year 0000 (a leap year), year ends.
    static constexpr std::array<std::array<int, 3>, 7> edges = {{{0, 2, 29},
                                                                 {2000, 2, 29},
                                                                 {2024, 2, 29},
                                                                 {1999, 12, 31},
                                                                 {9999, 12, 31},
                                                                 {1970, 1, 1},
                                                                 {2028, 2, 29}}};
    const auto& e = rng.pick(edges);
    date(s, e[0], e[1], e[2]);
    return;
  }
  const int y = rng.between(2018, 2031);
  const int m = rng.between(1, 12);
  date(s, y, m, rng.between(1, days_in(y, m)));
}

void SessionGenerator::Impl::session_id(std::string& s) {
  s += "sess-";
  random_date(s);
  s += '-';
  const auto r = rng.below(100);
  const int len = r < 3 ? 1 : r < 6 ? 64 : rng.between(4, 14);
  if (rng.chance(0.01)) {
    // Near miss: no word boundary before AKIA inside the random part.
    s += "x";
    s += "AKIA";
    random_chars(s, kUpperDigits, 16);
    return;
  }
  // The first character is never 'A': R starts right after '-' (a word boundary), and
  // AKIA... or AIza... there would be a secret.
  static constexpr std::string_view first = "abcdefghijklmnopqrstuvwxyzBCDKLMXYZ0123456789";
  s += first[rng.below(first.size())];
  for (int i = 1; i < len; ++i) s += kAlnum[rng.below(kAlnum.size())];
}

void SessionGenerator::Impl::timestamp(std::string& s) {
  random_date(s);
  s += rng.chance(0.04) ? 't' : 'T';
  append_int(s, rng.between(0, 23), 2);
  s += ':';
  append_int(s, rng.between(0, 59), 2);
  s += ':';
  append_int(s, rng.chance(0.01) ? 60 : rng.between(0, 59), 2);
  if (rng.chance(0.3)) {
    s += '.';
    random_chars(s, "0123456789", rng.between(1, 9));
  }
  const auto o = rng.below(100);
  if (o < 50) {
    s += 'Z';
  } else if (o < 54) {
    s += 'z';
  } else {
    s += rng.chance(0.5) ? '+' : '-';
    append_int(s, rng.chance(0.05) ? rng.between(15, 23) : rng.between(0, 14), 2);
    s += ':';
    static constexpr std::array<int, 4> minutes = {0, 30, 45, 59};
    append_int(s, rng.chance(0.7) ? 0 : rng.pick(minutes), 2);
  }
}

void SessionGenerator::Impl::filler(std::string& s, std::size_t bytes) {
  static constexpr std::array<Words, 6> parts = {"node", "智能", "é", "pool", "🤖", "-"};
  const std::size_t target = s.size() + bytes;
  while (s.size() < target) {
    const auto& p = rng.pick(parts);
    if (s.size() + p.size() > target) break;
    s += p;
  }
  while (s.size() < target) s += 'x';
}

void SessionGenerator::Impl::agent_id(std::string& s) {
  const auto r = rng.below(1000);
  if (r < 5) {
    s += "agent-";
    filler(s, 256 - 6);  // exactly the 256-byte limit
    return;
  }
  if (r < 8) {
    for (int i = 0; i < 128; ++i) s += "é";  // 128 two-byte characters: 256 bytes
    return;
  }
  s += rng.pick(kAgentStems);
  if (rng.chance(0.5)) {
    random_chars(s, kHex, rng.between(3, 12));
  } else {
    append_int(s, rng.between(1, 9999));
  }
}

void SessionGenerator::Impl::number(std::string& s) {
  const auto r = rng.below(100);
  if (r < 55) {
    append_int(s, rng.between(0, 600));
  } else if (r < 90) {
    append_int(s, rng.between(0, 600));
    s += '.';
    append_int(s, rng.between(0, 99));
  } else if (r < 95) {
    append_int(s, rng.between(1, 9));
    s += rng.chance(0.5) ? "e1" : ".5E+2";
  } else if (r < 98) {
    s += "0";
  } else {
    // Valid edges: -0 and an underflow to -0 are not below 0.
    s += rng.chance(0.5) ? "-0" : "-0.0";
  }
}

void SessionGenerator::Impl::expand(std::string& s, std::string_view tpl) {
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    if (tpl[i] == '{' && i + 2 < tpl.size() && tpl[i + 2] == '}' && tpl[i + 1] >= 'A' &&
        tpl[i + 1] <= 'Z') {
      switch (tpl[i + 1]) {
        case 'M':
          s += rng.pick(kModels);
          break;
        case 'G':
          s += rng.pick(kGpus);
          break;
        case 'K':
          s += rng.pick(kKernels);
          break;
        case 'Q':
          s += rng.pick(kQuants);
          break;
        case 'T':
          append_int(s, 1 << rng.between(0, 3));
          break;
        case 'N':
          append_int(s, rng.between(2, 64));
          break;
        case 'B':
          append_int(s, rng.between(100, 9999));
          break;
        case 'P':
          append_int(s, rng.between(1, 99));
          break;
        case 'F':
          append_int(s, rng.between(0, 9));
          s += '.';
          append_int(s, rng.between(0, 9));
          break;
        default:
          s.append(tpl.substr(i, 3));
          break;
      }
      i += 2;
    } else {
      s += tpl[i];
    }
  }
}

void SessionGenerator::Impl::add_other_entries(std::uint32_t other, int n) {
  // Distinct keys: shuffle the candidate indices and take the first n.
  std::array<std::uint8_t, 12> order = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  for (int k = 0; k < n && k < static_cast<int>(order.size()); ++k) {
    switch (order[static_cast<std::size_t>(k)]) {
      case 0:
        t.str(other, "driver", "535.104.05");
        break;
      case 1:
        t.str(other, "container", "nvcr.io/nvidia/pytorch:24.01-py3");
        break;
      case 2:
        t.str(other, "nccl", "2.19.3");
        break;
      case 3:
        t.str(other, "torch", "2.3.0+cu121");
        break;
      case 4: {
        const auto a = t.arr(other, "flags");
        t.str(a, {}, "--enforce-eager");
        t.str(a, {}, "--max-model-len=8192");
        if (rng.chance(0.5)) t.str(a, {}, "--kv-cache-dtype fp8");
        break;
      }
      case 5:
        t.str(other, "注释", "自由格式字段");
        break;
      case 6: {
        const auto c = t.obj(other, "cluster");
        t.raw(c, "nodes", rng.chance(0.5) ? "4" : "16");
        t.str(c, "interconnect", "InfiniBand NDR");
        const auto topo = t.obj(c, "topology");
        t.raw(topo, "nvlink", rng.chance(0.5) ? "true" : "false");
        t.raw(topo, "numa", "[0, 1]");
        break;
      }
      case 7:
        t.raw(other, "seed", "42");
        break;
      case 8:
        t.raw(other, "notes", "null");
        break;  // null is fine in free-form content
      case 9:
        t.raw(other, "ratio", rng.chance(0.5) ? "0.93" : "-12.5e-3");
        break;
      case 10:
        t.raw(other, "big", "12345678901234");
        break;
      case 11: {
        const auto o = t.obj(other, "kernel");
        t.str(o, "release", "5.15.0-91-generic");
        t.str(o, "cmdline", "iommu=pt pci=realloc");
        break;
      }
      default:
        break;
    }
  }
}

void SessionGenerator::Impl::build_valid() {
  const auto root = t.reset();
  ids = Ids{kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone};
  deep_edge = false;
  const bool detailed = rng.chance(0.7);
  auto& s = s1;

  s.clear();
  session_id(s);
  ids.session_id = t.str(root, "session_id", s);
  s.clear();
  agent_id(s);
  ids.agent_id = t.str(root, "agent_id", s);
  s.clear();
  timestamp(s);
  ids.timestamp = t.str(root, "timestamp", s);

  const auto& skill = rng.pick(kSkills);
  ids.skill = t.obj(root, "skill");
  t.str(ids.skill, "name", skill.name);
  if (detailed) {
    if (rng.chance(0.7)) t.str(ids.skill, "source_repo", rng.pick(kRepos));
    if (rng.chance(0.6)) t.str(ids.skill, "source_path", skill.path);
    if (rng.chance(0.5)) t.str(ids.skill, "source_version", rng.pick(kVersions));
    if (rng.chance(0.5)) {
      s.clear();
      s += rng.pick(kLocalPrefixes);
      s += skill.name;
      t.str(ids.skill, "local_path", s);
    }
    if (rng.chance(0.05)) t.str(ids.skill, "license", "Apache-2.0");
  }

  ids.task = t.obj(root, "task");
  s.clear();
  expand(s, rng.pick(kDescriptions));
  t.str(ids.task, "description", s);
  if (detailed || rng.chance(0.2)) {
    static constexpr std::array<Words, 10> categories = {
        "deployment",   "training",    "inference", "debugging",     "configuration",
        "optimization", "integration", "testing",   "documentation", "other"};
    if (rng.chance(0.8)) t.str(ids.task, "category", rng.pick(categories));
    if (rng.chance(0.6)) {
      const auto tags = t.arr(ids.task, "tags");
      for (int i = rng.between(0, 4); i > 0; --i) t.str(tags, {}, rng.pick(kTags));
    }
    if (rng.chance(0.05)) t.str(ids.task, "priority", "high");
  }

  ids.outcome = t.obj(root, "outcome");
  const bool success = rng.chance(0.7);
  t.boolean(ids.outcome, "success", success);
  if (detailed && rng.chance(0.4)) t.boolean(ids.outcome, "partial", !success && rng.chance(0.6));
  if (detailed && rng.chance(0.7)) {
    s.clear();
    expand(s, rng.pick(kNotes));
    t.str(ids.outcome, "notes", s);
  }
  if (rng.chance(0.03)) t.raw(ids.outcome, "score", "0.87");

  if (detailed && rng.chance(0.75)) {
    ids.issues = t.arr(root, "issues_encountered");
    for (int i = rng.between(0, 4); i > 0; --i) {
      const auto& is = rng.pick(kIssues);
      const auto o = t.obj(ids.issues);
      t.str(o, "type", is.type);
      s.clear();
      expand(s, is.description);
      t.str(o, "description", s);
      const bool resolved = rng.chance(0.7);
      t.boolean(o, "resolved", resolved);
      if (resolved || rng.chance(0.3)) {
        s.clear();
        // An empty resolution is fine when the issue is not resolved.
        if (resolved || rng.chance(0.7)) expand(s, is.resolution);
        t.str(o, "resolution", s);
      }
      if (rng.chance(0.5)) {
        s.clear();
        number(s);
        t.raw(o, "time_spent_minutes", s);
      }
      if (rng.chance(0.04)) {
        s.clear();
        timestamp(s);
        t.str(o, "resolved_at", s);
      }
      if (rng.chance(0.4)) t.shuffle(o, rng);
    }
  }

  if (!detailed || rng.chance(0.8)) {
    ids.learnings = t.arr(root, "learnings");
    const int n = detailed ? rng.between(0, 5) : rng.between(0, 1);
    for (int i = 0; i < n; ++i) {
      s.clear();
      expand(s, rng.pick(kLearnings));
      t.str(ids.learnings, {}, s);
    }
  }

  if (detailed && rng.chance(0.5)) {
    ids.community = t.arr(root, "community_resources_used");
    for (int i = rng.between(0, 3); i > 0; --i) {
      const auto o = t.obj(ids.community);
      static constexpr std::array<Words, 3> types = {"post", "comment", "evolving_skill"};
      t.str(o, "type", rng.pick(types));
      s.clear();
      const auto k = rng.below(5);
      if (k == 0) {
        s += "post-gpu-memory-fix-";
        append_int(s, rng.between(1, 999), 3);
      } else if (k == 1) {
        s += "comment-";
        append_int(s, rng.between(1000, 99999));
      } else if (k == 2) {
        s += "evolving_skill:lora-recipes";
      } else if (k == 3) {
        s += "post-";
        random_chars(s, kHex, 8);
      } else {
        // U+200B is not White_Space: a zero-width id is still non-empty.
        s += rng.chance(0.1) ? "\u200b" : "评论-42";
      }
      t.str(o, "id", s);
      t.boolean(o, "helpful", rng.chance(0.7));
      if (rng.chance(0.4)) t.shuffle(o, rng);
    }
  }

  if (detailed && rng.chance(0.8)) {
    ids.environment = t.obj(root, "environment");
    if (rng.chance(0.8)) t.str(ids.environment, "os", rng.pick(kOses));
    if (rng.chance(0.7)) t.str(ids.environment, "python", rng.pick(kPythons));
    if (rng.chance(0.7)) t.str(ids.environment, "cuda", rng.pick(kCudas));
    if (rng.chance(0.8)) t.str(ids.environment, "gpus", rng.pick(kGpuSetups));
    if (rng.chance(0.6)) t.str(ids.environment, "memory", rng.pick(kMemories));
    if (rng.chance(0.4)) {
      ids.other = t.obj(ids.environment, "other");
      add_other_entries(ids.other, rng.between(0, 4));
    }
    if (rng.chance(0.3)) t.shuffle(ids.environment, rng);
  }

  if (rng.chance(detailed ? 0.8 : 0.3)) {
    s.clear();
    number(s);
    t.raw(root, "duration_minutes", s);
  }

  if (rng.chance(0.15)) {
    // Unknown top-level fields are passed through when not strict.
    switch (rng.below(4)) {
      case 0:
        t.str(root, "client_version", "skillstream-agent/1.4.2");
        break;
      case 1:
        t.raw(root, "tenant", "null");
        break;
      case 2: {
        s.clear();
        random_chars(s, kHex, 32);
        t.str(root, "trace_id", s);
        break;
      }
      default: {
        const auto e = t.obj(root, "extra");
        t.raw(e, "retries", "3");
        t.str(e, "Session_ID", "not the real one");
        break;
      }
    }
  }

  if (rng.chance(0.005)) {
    // A valid edge: exactly 64 levels (top 1, environment 2, other 3, 61 more).
    const auto other = ensure_other();
    deep_edge = true;
    s.clear();
    nest(s, 61);
    t.raw(other, "deep", s);
  }

  if (rng.chance(0.35)) t.shuffle(root, rng);
  if (rng.chance(0.2)) t.shuffle(ids.skill, rng);
  if (rng.chance(0.2)) t.shuffle(ids.task, rng);
}

// `levels` nested containers (mixed arrays and objects) around a scalar.
void SessionGenerator::Impl::nest(std::string& s, int levels) {
  s3.clear();
  for (int i = 0; i < levels; ++i) {
    if (rng.chance(0.7)) {
      s += '[';
      s3 += ']';
    } else {
      s += rng.chance(0.5) ? "{\"k\":" : "{\"子\": ";
      s3 += '}';
    }
  }
  s += rng.chance(0.5) ? "1" : "\"leaf\"";
  s.append(s3.rbegin(), s3.rend());
}

std::uint32_t SessionGenerator::Impl::ensure_other() {
  if (ids.environment == kNone) ids.environment = t.obj(0, "environment");
  if (ids.other == kNone) ids.other = t.obj(ids.environment, "other");
  return ids.other;
}

std::uint32_t SessionGenerator::Impl::ensure_array(std::uint32_t& id, std::string_view key) {
  if (id == kNone) id = t.arr(0, key);
  return id;
}

std::uint32_t SessionGenerator::Impl::ensure_issue(bool resolved) {
  ensure_array(ids.issues, "issues_encountered");
  // A fresh issue in a random position, with a known shape.
  const auto& is = rng.pick(kIssues);
  const auto o = t.obj(ids.issues);
  t.str(o, "type", is.type);
  s2.clear();
  expand(s2, is.description);
  t.str(o, "description", s2);
  t.boolean(o, "resolved", resolved);
  s2.clear();
  expand(s2, is.resolution);
  t.str(o, "resolution", s2);
  t.move_last_randomly(ids.issues, rng);
  return o;
}

std::uint32_t SessionGenerator::Impl::ensure_resource() {
  ensure_array(ids.community, "community_resources_used");
  const auto o = t.obj(ids.community);
  t.str(o, "type", "post");
  t.str(o, "id", "post-gpu-memory-fix-001");
  t.boolean(o, "helpful", true);
  t.move_last_randomly(ids.community, rng);
  return o;
}

void SessionGenerator::Impl::serialize(std::string& out) {
  out.clear();
  if (style.spacing == Spacing::loose && rng.chance(0.3)) out += rng.chance(0.5) ? " " : "\t";
  Writer w(t, style, rng, out);
  w.value(0);
  if (style.spacing == Spacing::loose && rng.chance(0.3)) out += rng.chance(0.5) ? " " : "\t ";
}

void SessionGenerator::Impl::fit_size(std::string& out) {
  serialize(out);
  // Too big: drop optional parts, largest first. Too small: add optional parts.
  static constexpr std::array<Words, 4> droppable = {"issues_encountered", "learnings",
                                                     "community_resources_used", "environment"};
  for (std::size_t k = 0; out.size() > kFitBytes && k < droppable.size(); ++k) {
    const auto id = t.find(0, droppable[k]);
    if (id == kNone) continue;
    t.remove(0, id);
    if (id == ids.issues) ids.issues = kNone;
    if (id == ids.learnings) ids.learnings = kNone;
    if (id == ids.community) ids.community = kNone;
    if (id == ids.environment) ids.environment = ids.other = kNone;
    serialize(out);
  }
  while (out.size() < kMinBytes) {
    if (t.find(ids.outcome, "notes") == kNone) {
      s1.clear();
      expand(s1, rng.pick(kNotes));
      t.str(ids.outcome, "notes", s1);
    } else {
      const auto env =
          ids.environment == kNone ? (ids.environment = t.obj(0, "environment")) : ids.environment;
      s1 = "env-";
      append_int(s1, static_cast<long long>(t.count(env)));
      t.str(env, s1, rng.pick(kOses));  // an unknown key: passed through
    }
    serialize(out);
  }
}

// ---------------------------------------------------------------------------------
// Privacy plants: realistic matches of one known kind each, with non-word characters
// on both sides so that word boundaries hold.

void SessionGenerator::Impl::append_plant(PrivacyKind kind, std::string& s) {
  static constexpr std::array<Words, 8> users = {"alice",      "bob.smith", "jdoe",       "dev-01",
                                                 "m_kowalski", "chen.wei",  "ana.garcia", "x"};
  static constexpr std::array<Words, 6> locals = {"alice.smith", "j.doe+ml", "ops_team",
                                                  "bob",         "chen.wei", "x_y.z"};
  static constexpr std::array<Words, 6> domains = {"example.com",        "corp.example.org",
                                                   "uni-heidelberg.de",  "gmail.com",
                                                   "mail.example.co.uk", "acme.io"};
  switch (kind) {
    case PrivacyKind::email:
      if (rng.chance(0.1)) {
        // The spec's overlap example: the e-mail starts with the NAME and is longer.
        s += "cached under /home/alice.smith@corp.com/models";
        break;
      }
      s += rng.chance(0.5) ? "contact " : "owner: ";
      s += rng.pick(locals);
      s += '@';
      s += rng.pick(domains);
      s += rng.chance(0.5) ? " for access" : "";
      break;
    case PrivacyKind::user_path: {
      const auto r = rng.below(4);
      s += rng.chance(0.5) ? "see " : "path=";
      if (r == 0) {
        s += "/home/";
        s += rng.pick(users);
        s += "/.cache/huggingface/hub";
      } else if (r == 1) {
        s += "/Users/";
        s += rng.pick(users);
        s += "/Library/Caches/vllm";
      } else if (r == 2) {
        s += "C:\\Users\\";
        s += rng.pick(users);
        s += "\\AppData\\Local\\pip";
      } else {
        s += "D:/Users/";
        s += rng.pick(users);
      }
      break;
    }
    case PrivacyKind::secret: {
      switch (rng.below(10)) {
        case 0:
          s += "aws_access_key_id=AKIA";
          random_chars(s, kUpperDigits, 16);
          break;
        case 1:
          s += "token ";
          s += "gh";
          s += "pousr"[rng.below(5)];
          s += '_';
          random_chars(s, kAlnum, 36);
          break;
        case 2:
          s += "GITHUB_TOKEN=github_pat_11A";
          random_chars(s, kAlnum, rng.between(22, 60));
          break;
        case 3:
          s += "OPENAI_API_KEY=";
          s += rng.chance(0.5) ? "sk-proj-" : "sk-ant-api03-";
          random_chars(s, kBase64Url, rng.between(20, 48));
          break;
        case 4:
          s += "slack webhook xox";
          s += "abprs"[rng.below(5)];
          s += '-';
          append_int(s, rng.between(100000000, 999999999));
          s += '-';
          random_chars(s, kAlnum, rng.between(10, 24));
          break;
        case 5:
          s += "key=AIza";
          random_chars(s, kBase64Url, 35);
          break;
        case 6:
          s += "jwt: eyJ";
          random_chars(s, kBase64Url, rng.between(10, 30));
          s += '.';
          random_chars(s, kBase64Url, rng.between(10, 40));
          s += '.';
          random_chars(s, kBase64Url, rng.between(10, 43));
          break;
        case 7:
          s += "Authorization: Bearer ";
          random_chars(s, kBase64Url, rng.between(20, 48));
          if (rng.chance(0.3)) s += "==";
          break;
        default: {
          // PEM: body characters exclude '/', so no path can hide inside the key.
          static constexpr std::array<Words, 4> algos = {"", "RSA ", "EC ", "OPENSSH "};
          const auto& algo = rng.pick(algos);
          s += "-----BEGIN ";
          s += algo;
          s += "PRIVATE KEY-----\n";
          for (int i = rng.between(2, 5); i > 0; --i) {
            random_chars(s, kBase64, 64);
            s += rng.chance(0.2) ? "\r\n" : "\n";
          }
          if (rng.chance(0.85)) {
            s += "-----END ";
            s += algo;
            s += "PRIVATE KEY-----";
          }
          break;
        }
      }
      break;
    }
  }
}

void SessionGenerator::Impl::plant_privacy(KindSet& kinds) {
  const int n = rng.chance(0.7) ? 1 : rng.chance(0.8) ? 2 : 3;
  // Targets: one plant per string at most; all are fields where a marker breaks no rule.
  std::array<std::uint8_t, 8> targets = {0, 1, 2, 3, 4, 5, 6, 7};
  for (std::size_t i = targets.size() - 1; i > 0; --i) {
    std::swap(targets[i], targets[rng.below(i + 1)]);
  }
  for (int k = 0; k < n; ++k) {
    static constexpr std::array<PrivacyKind, 3> all = {PrivacyKind::secret, PrivacyKind::email,
                                                       PrivacyKind::user_path};
    PrivacyKind kind = rng.pick(all);
    const auto target = targets[static_cast<std::size_t>(k)];
    if (target == 6) kind = PrivacyKind::user_path;  // local_path holds a path
    s1.clear();
    append_plant(kind, s1);
    // The e-mail overlap example is an e-mail, not a user path.
    kinds.add(s1.find("alice.smith@corp.com") != std::string::npos ? PrivacyKind::email : kind);
    auto append_to = [&](std::uint32_t id) {
      s2.assign(t.text(id));
      if (rng.chance(0.5) && kind != PrivacyKind::secret) {
        s2.insert(0, " ");
        s2.insert(0, s1);
      } else {
        s2 += ' ';
        s2 += s1;
      }
      t.set(id, NodeType::string, s2);
    };
    switch (target) {
      case 0:
        append_to(t.find(ids.task, "description"));
        break;
      case 1: {
        const auto notes = t.find(ids.outcome, "notes");
        if (notes == kNone) {
          t.str(ids.outcome, "notes", s1);
        } else {
          append_to(notes);
        }
        break;
      }
      case 2:
        t.str(ensure_array(ids.learnings, "learnings"), {}, s1);
        t.move_last_randomly(ids.learnings, rng);
        break;
      case 3: {
        const auto other = ensure_other();
        t.str(other, rng.chance(0.5) ? "debug_env" : "runtime_log", s1);
        t.move_last_randomly(other, rng);
        break;
      }
      case 4: {
        const auto issue = ensure_issue(true);
        append_to(t.find(issue, rng.chance(0.5) ? "description" : "resolution"));
        break;
      }
      case 5: {
        const auto tags = t.find(ids.task, "tags");
        t.str(tags == kNone ? t.arr(ids.task, "tags") : tags, {}, s1);
        break;
      }
      case 6: {
        const auto lp = t.find(ids.skill, "local_path");
        if (lp != kNone) t.remove(ids.skill, lp);
        t.str(ids.skill, "local_path", s1);
        break;
      }
      default:
        t.str(0, "debug_dump", s1);  // an unknown field: scanned too
        t.move_last_randomly(0, rng);
        break;
    }
  }
}

// ---------------------------------------------------------------------------------
// Defects: each record gets exactly one, so the reason is unambiguous whatever order
// the validator checks fields in.

void SessionGenerator::Impl::defect_invalid_utf8() {
  static constexpr std::array<Words, 16> bad = {"\x80",
                                                "\xC0\xAF",
                                                "\xC1\xBF",
                                                "\xE0\x80\xAF",
                                                "\xED\xA0\x80",
                                                "\xED\xBF\xBF",
                                                "\xF4\x90\x80\x80",
                                                "\xF5\x80\x80\x80",
                                                "\xF8\x88\x80\x80\x80",
                                                "\xFF",
                                                "\xFE",
                                                "\xE6\x97 ",
                                                "caf\xE9 ",
                                                "\xF0\x9F\x98 ",
                                                "\xF0\x80\x80\xAF",
                                                "\xC3"};
  // Built as raw text: the encoder would never write these bytes.
  s1 = "\"";
  s2.clear();
  expand(s2, rng.pick(kDescriptions));
  const auto cut = s2.size() / 2;
  std::size_t at = cut;
  while (at > 0 && (static_cast<unsigned char>(s2[at]) & 0xC0) == 0x80) --at;
  append_json_plain(s1, std::string_view(s2).substr(0, at));
  s1 += rng.pick(bad);
  append_json_plain(s1, std::string_view(s2).substr(at));
  s1 += '"';
  switch (rng.below(4)) {
    case 0:
      t.set(t.find(ids.task, "description"), NodeType::raw, s1);
      break;
    case 1: {
      const auto notes = t.find(ids.outcome, "notes");
      if (notes == kNone) {
        t.raw(ids.outcome, "notes", s1);
      } else {
        t.set(notes, NodeType::raw, s1);
      }
      break;
    }
    case 2:
      t.raw(ensure_array(ids.learnings, "learnings"), {}, s1);
      t.move_last_randomly(ids.learnings, rng);
      break;
    default: {
      // In a key of environment.other.
      s2 = "\"k";
      s2 += rng.pick(bad);
      s2 += "\": ";
      s2 += s1;
      t.add(ensure_other(), {}, NodeType::raw_member, s2);
      break;
    }
  }
}

bool SessionGenerator::Impl::defect_malformed() {
  const auto r = rng.below(10);
  if (r == 0) {
    // Bad literals and numbers in a value.
    static constexpr std::array<Words, 16> bad = {
        "True", "TRUE", "tru", "nul", "None", "NaN",  "Infinity", "-Infinity",
        "+1",   ".5",   "01",  "1.",  "1e",   "0x1F", "- 1",      "00"};
    const auto v = rng.pick(bad);
    if (rng.chance(0.5)) {
      const auto d = t.find(0, "duration_minutes");
      if (d == kNone) {
        t.raw(0, "duration_minutes", v);
        t.move_last_randomly(0, rng);
      } else {
        t.set(d, NodeType::raw, v);
      }
    } else {
      t.set(t.find(ids.outcome, "success"), NodeType::raw, v);
    }
    return false;
  }
  if (r == 1) {
    // Bad escapes and lone surrogates inside a string.
    static constexpr std::array<Words, 14> bad = {
        "\\x41", "\\0",     "\\a",     "\\u12G4",        "\\U0001F600",    "\\'",
        "\\ ",   "\\ud800", "\\udc00", "\\ud83d\\u0041", "\\ud83d\\ud83d", "\\ude00\\ud83d",
        "\\u00", "\\ud83dx"};
    s1 = "\"Loss spiked at step 1200 ";
    s1 += rng.pick(bad);
    s1 += " then recovered\"";
    const auto target = rng.below(3);
    if (target == 0) {
      t.set(ids.agent_id, NodeType::raw, s1);
    } else if (target == 1) {
      t.set(t.find(ids.task, "description"), NodeType::raw, s1);
    } else {
      s2 = "\"note";
      s2 += rng.pick(bad);
      s2 += "\": 1";
      t.add(ensure_other(), {}, NodeType::raw_member, s2);
    }
    return false;
  }
  if (r == 2) {
    // Broken members: missing colon, single quotes, unquoted key, comments...
    static constexpr std::array<Words, 10> bad = {"\"retries\" 3",
                                                  "'retries': 3",
                                                  "retries: 3",
                                                  "\"retries\":: 3",
                                                  "/* note */ \"retries\": 3",
                                                  "\"a\": 1 \"b\": 2",
                                                  "3: 4",
                                                  "\"a\":",
                                                  "\"k\": [1, 2}",
                                                  "\"k\": {\"a\":1"};
    std::uint32_t parent = 0;
    const auto where = rng.below(3);
    if (where == 1) parent = ids.task;
    if (where == 2) parent = ensure_other();
    t.add(parent, {}, NodeType::raw_member, rng.pick(bad));
    t.move_last_randomly(parent, rng);
    return false;
  }
  if (r == 3) {
    // A raw control character inside a string.
    static constexpr std::array<Words, 4> ctl = {"\t", "\x01", "\x1F", "\r"};
    s1 = "\"raw";
    s1 += rng.pick(ctl);
    s1 += "control\"";
    t.set(t.find(ids.task, "description"), NodeType::raw, s1);
    return false;
  }
  return true;  // the rest edit the serialized text
}

void SessionGenerator::Impl::defect_too_deep() {
  const auto r = rng.below(10);
  const int extra = rng.chance(0.5) ? 0 : rng.between(1, 60);
  s1.clear();
  if (r < 6) {
    nest(s1, 62 + extra);  // other is level 3: 3 + 62 = 65
    const auto other = ensure_other();
    t.raw(other, rng.chance(0.5) ? "trace" : "nested", s1);
    t.move_last_randomly(other, rng);
  } else if (r < 8) {
    nest(s1, 62 + extra);  // an issue object is level 3
    const auto issue = ensure_issue(true);
    t.raw(issue, "stack", s1);
  } else {
    nest(s1, 64 + extra);  // a top-level value starts at level 2
    t.raw(0, "debug_tree", s1);
    t.move_last_randomly(0, rng);
  }
}

void SessionGenerator::Impl::defect_duplicate_key() {
  auto dup_string = [&](std::uint32_t parent, std::uint32_t id, bool escaped) {
    s1.assign(t.key(id));
    s2.assign(t.text(id));
    const auto d = t.str(parent, s1, s2);
    t.node(d).escape_key = escaped;
    t.move_last_randomly(parent, rng);
  };
  switch (rng.below(9)) {
    case 0:
      dup_string(0, ids.session_id, false);
      break;
    case 1:
      dup_string(0, ids.session_id, true);
      break;  // equal only after unescaping
    case 2:
      dup_string(0, ids.agent_id, rng.chance(0.5));
      break;
    case 3:
      dup_string(ids.skill, t.find(ids.skill, "name"), rng.chance(0.3));
      break;
    case 4: {
      t.boolean(ids.outcome, "success", rng.chance(0.5));
      t.move_last_randomly(ids.outcome, rng);
      break;
    }
    case 5: {
      if (ids.environment == kNone) ids.environment = t.obj(0, "environment");
      t.str(ids.environment, "os", "Ubuntu 22.04");
      t.str(ids.environment, "os", "Debian 12");
      t.move_last_randomly(ids.environment, rng);
      break;
    }
    case 6: {
      // Deep inside environment.other: free-form content still has unique keys.
      const auto other = ensure_other();
      auto o = t.obj(other, "profile");
      for (int i = rng.between(0, 20); i > 0; --i) o = t.obj(o, "child");
      t.raw(o, "ms", "12");
      t.raw(o, "ms", "13");
      break;
    }
    case 7: {
      const auto issue = ensure_issue(rng.chance(0.5));
      dup_string(issue, t.find(issue, "description"), rng.chance(0.3));
      break;
    }
    default:
      t.raw(0, "retries", "1");
      t.raw(0, "retries", "2");
      t.move_last_randomly(0, rng);
      break;
  }
}

void SessionGenerator::Impl::defect_missing_field() {
  auto drop = [&](std::uint32_t parent, std::string_view key) {
    t.remove(parent, t.find(parent, key));
  };
  switch (rng.below(14)) {
    case 0:
      drop(0, "session_id");
      break;
    case 1:
      drop(0, "agent_id");
      break;
    case 2:
      drop(0, "timestamp");
      break;
    case 3:
      drop(0, "skill");
      break;
    case 4:
      drop(ids.skill, "name");
      break;
    case 5:
      drop(0, "task");
      break;
    case 6:
      drop(ids.task, "description");
      break;
    case 7:
      drop(0, "outcome");
      break;
    case 8:
      drop(ids.outcome, "success");
      break;
    case 9: {
      const auto issue = ensure_issue(true);
      static constexpr std::array<Words, 4> keys = {"type", "description", "resolved",
                                                    "resolution"};
      drop(issue, rng.pick(keys));  // resolution is required when resolved is true
      break;
    }
    default: {
      const auto res = ensure_resource();
      static constexpr std::array<Words, 3> keys = {"type", "id", "helpful"};
      drop(res, rng.pick(keys));
      break;
    }
  }
}

void SessionGenerator::Impl::defect_wrong_type() {
  static constexpr std::array<Words, 7> non_strings = {"null", "12345",         "true", "[]",
                                                       "{}",   "[\"agent-1\"]", "1.5"};
  static constexpr std::array<Words, 6> non_bools = {"null", "\"true\"", "1", "0", "[]", "\"yes\""};
  static constexpr std::array<Words, 5> non_numbers = {"null", "\"120\"", "true", "[45]",
                                                       "{\"m\": 3}"};
  static constexpr std::array<Words, 5> non_objects = {"null", "\"vllm\"", "[]", "42", "true"};
  static constexpr std::array<Words, 5> non_arrays = {"null", "\"a,b\"", "{\"0\": \"a\"}", "7",
                                                      "false"};
  auto set_or_add = [&](std::uint32_t parent, std::string_view key, std::string_view v) {
    const auto id = t.find(parent, key);
    if (id == kNone) {
      t.raw(parent, key, v);
      t.move_last_randomly(parent, rng);
    } else {
      t.set(id, NodeType::raw, v);
    }
  };
  switch (rng.below(22)) {
    case 0:
      t.set(ids.session_id, NodeType::raw, rng.pick(non_strings));
      break;
    case 1:
      t.set(ids.agent_id, NodeType::raw, rng.pick(non_strings));
      break;
    case 2:
      t.set(ids.timestamp, NodeType::raw, rng.chance(0.5) ? "1738420200" : "null");
      break;
    case 3:
      t.set(ids.skill, NodeType::raw, rng.pick(non_objects));
      break;
    case 4:
      set_or_add(ids.skill, "name", rng.pick(non_strings));
      break;
    case 5: {
      static constexpr std::array<Words, 4> keys = {"source_repo", "source_path", "source_version",
                                                    "local_path"};
      set_or_add(ids.skill, rng.pick(keys), rng.pick(non_strings));
      break;
    }
    case 6:
      t.set(ids.task, NodeType::raw, rng.pick(non_objects));
      break;
    case 7:
      set_or_add(ids.task, "description", rng.pick(non_strings));
      break;
    case 8:
      set_or_add(ids.task, "category", rng.pick(non_strings));
      break;
    case 9: {
      if (rng.chance(0.5)) {
        set_or_add(ids.task, "tags", rng.pick(non_arrays));
      } else {
        set_or_add(ids.task, "tags", rng.chance(0.5) ? "[\"lora\", 5]" : "[{\"t\": 1}]");
      }
      break;
    }
    case 10:
      t.set(ids.outcome, NodeType::raw, rng.pick(non_objects));
      break;
    case 11:
      set_or_add(ids.outcome, "success", rng.pick(non_bools));
      break;
    case 12:
      set_or_add(ids.outcome, rng.chance(0.5) ? "partial" : "notes",
                 rng.chance(0.5) ? "null" : "5");
      break;
    case 13: {
      const auto issues = t.find(0, "issues_encountered");
      if (issues != kNone && rng.chance(0.5)) {
        t.set(issues, NodeType::raw, rng.pick(non_arrays));
      } else {
        t.raw(ensure_array(ids.issues, "issues_encountered"), {},
              rng.chance(0.5) ? "\"error\"" : "null");
        t.move_last_randomly(ids.issues, rng);
      }
      break;
    }
    case 14: {
      const bool resolved = rng.chance(0.5);
      const auto issue = ensure_issue(resolved);
      switch (rng.below(5)) {
        case 0:
          set_or_add(issue, "type", rng.pick(non_strings));
          break;
        case 1:
          set_or_add(issue, "description", rng.pick(non_strings));
          break;
        case 2:
          set_or_add(issue, "resolved", rng.pick(non_bools));
          break;
        case 3:
          set_or_add(issue, "time_spent_minutes", rng.pick(non_numbers));
          break;
        default:
          // null is wrong_type whether or not the issue is resolved.
          set_or_add(issue, "resolution", rng.chance(0.5) ? "null" : "12");
          break;
      }
      break;
    }
    case 15: {
      if (rng.chance(0.3)) {
        set_or_add(0, "learnings", rng.pick(non_arrays));
      } else {
        t.raw(ensure_array(ids.learnings, "learnings"), {},
              rng.chance(0.5) ? "null" : "{\"k\": \"v\"}");
        t.move_last_randomly(ids.learnings, rng);
      }
      break;
    }
    case 16: {
      if (rng.chance(0.3)) {
        set_or_add(0, "community_resources_used", rng.pick(non_arrays));
      } else if (rng.chance(0.3)) {
        t.raw(ensure_array(ids.community, "community_resources_used"), {}, "null");
        t.move_last_randomly(ids.community, rng);
      } else {
        const auto res = ensure_resource();
        switch (rng.below(3)) {
          case 0:
            set_or_add(res, "type", rng.pick(non_strings));
            break;
          case 1:
            set_or_add(res, "id", rng.pick(non_strings));
            break;
          default:
            set_or_add(res, "helpful", rng.pick(non_bools));
            break;
        }
      }
      break;
    }
    case 17: {
      if (ids.environment == kNone) {
        t.raw(0, "environment", rng.pick(non_objects));
        t.move_last_randomly(0, rng);
      } else {
        t.set(ids.environment, NodeType::raw, rng.pick(non_objects));
      }
      break;
    }
    case 18: {
      if (ids.environment == kNone) ids.environment = t.obj(0, "environment");
      static constexpr std::array<Words, 5> keys = {"os", "python", "cuda", "gpus", "memory"};
      static constexpr std::array<Words, 4> vals = {"12.1", "null", "[\"A100\", \"A100\"]",
                                                    "22.04"};
      set_or_add(ids.environment, rng.pick(keys), rng.pick(vals));
      break;
    }
    case 19: {
      if (ids.environment == kNone) ids.environment = t.obj(0, "environment");
      static constexpr std::array<Words, 4> vals = {"1", "null", "[]", "\"free-form\""};
      if (ids.other == kNone) {
        t.raw(ids.environment, "other", rng.pick(vals));
      } else {
        t.set(ids.other, NodeType::raw, rng.pick(vals));
      }
      break;
    }
    default:
      set_or_add(0, "duration_minutes", rng.pick(non_numbers));
      break;
  }
}

void SessionGenerator::Impl::defect_empty_value() {
  const auto& v = rng.chance(0.5) ? rng.pick(kEmptyish) : rng.pick(kEmptyish2);
  switch (rng.below(6)) {
    case 0:
      t.set(ids.agent_id, NodeType::string, v);
      break;
    case 1:
      t.set(t.find(ids.skill, "name"), NodeType::string, v);
      break;
    case 2:
      t.set(t.find(ids.task, "description"), NodeType::string, v);
      break;
    case 3: {
      const auto issue = ensure_issue(rng.chance(0.5));
      t.set(t.find(issue, "description"), NodeType::string, v);
      break;
    }
    case 4: {
      const auto issue = ensure_issue(true);
      t.set(t.find(issue, "resolution"), NodeType::string, v);
      break;
    }
    default: {
      const auto res = ensure_resource();
      t.set(t.find(res, "id"), NodeType::string, v);
      break;
    }
  }
}

void SessionGenerator::Impl::defect_invalid_format() {
  auto& s = s1;
  s.clear();
  const auto r = rng.below(3);
  if (r == 0) {
    static constexpr std::array<Words, 18> bad_dates = {
        "2023-02-29", "1900-02-29", "2100-02-29",     "2024-02-30", "2025-04-31", "2025-11-31",
        "2025-13-01", "2025-00-10", "2025-01-00",     "2025-01-32", "2025-2-1",   "20250-01-01",
        "2025-W05-3", "2025-09-31", "２０２５-02-01", "2025/02/01", "0000-02-30", "1999-06-31"};
    switch (rng.below(8)) {
      case 0:
      case 1:
      case 2:
        s += "sess-";
        s += rng.pick(bad_dates);
        s += "-x7k9m";
        break;
      case 3:
        s += "sess-2025-02-01-";
        random_chars(s, kAlnum, 65);  // R is at most 64 characters
        break;
      case 4: {
        static constexpr std::array<Words, 6> bad_r = {"x7k_9m", "x7k-9m", "x7.k9m",
                                                       "",       "ａｂｃ", "abc "};
        s += "sess-2025-02-01-";
        s += rng.pick(bad_r);
        break;
      }
      case 5: {
        static constexpr std::array<Words, 5> bad_prefix = {"Sess-", "session-", "", "sess_",
                                                            " sess-"};
        s += rng.pick(bad_prefix);
        s += "2025-02-01-x7k9m";
        break;
      }
      default:
        break;  // "" is invalid_format, not empty_value
    }
    t.set(ids.session_id, NodeType::string, s);
  } else if (r == 1) {
    static constexpr std::array<Words, 24> bad = {"2025-02-01T14:30:00",
                                                  "2025-02-01 14:30:00Z",
                                                  "20250201T143000Z",
                                                  "2025-02-01T24:00:00Z",
                                                  "2025-02-01T14:60:00Z",
                                                  "2025-02-01T14:30:61Z",
                                                  "2025-02-01T14:30:00+24:00",
                                                  "2025-02-01T14:30:00-00:60",
                                                  "2025-02-01T14:30:00.Z",
                                                  "2025-02-01T14:30:00.1234567890Z",
                                                  "1900-02-29T00:00:00Z",
                                                  "2025-02-01T14:30:00 UTC",
                                                  "",
                                                  "2025-02-01T14:30:00+0530",
                                                  "2025-02-01",
                                                  "+2025-02-01T14:30:00Z",
                                                  "2025-02-01T14:30Z",
                                                  "2025-2-1T14:30:00Z",
                                                  "2025-02-00T14:30:00Z",
                                                  "2025-02-01T14:30:00\u221205:00",
                                                  "2025-02-01T14:30:99Z",
                                                  "2025-02-01T1:30:00Z",
                                                  "2023-02-29T10:00:00+01:00",
                                                  "2025-02-01T14:30:00ZZ"};
    t.set(ids.timestamp, NodeType::string, rng.pick(bad));
  } else {
    if (rng.chance(0.2)) {
      for (int i = 0; i < 129; ++i) s += "é";  // 258 bytes in 129 characters
    } else {
      s += "agent-";
      filler(s, static_cast<std::size_t>(rng.between(257, 320)) - 6);
    }
    t.set(ids.agent_id, NodeType::string, s);
  }
}

void SessionGenerator::Impl::defect_invalid_enum() {
  switch (rng.below(3)) {
    case 0: {
      static constexpr std::array<Words, 10> bad = {
          "Deployment",         "misc", "deployment ", "optimisation", "docs",
          "training,inference", "",     "ｄeployment", "inference\n",  "OTHER"};
      const auto c = t.find(ids.task, "category");
      if (c == kNone) {
        t.str(ids.task, "category", rng.pick(bad));
      } else {
        t.set(c, NodeType::string, rng.pick(bad));
      }
      break;
    }
    case 1: {
      static constexpr std::array<Words, 7> bad = {"Error",  "info", "warn",         "",
                                                   "error ", "bug",  "performance\t"};
      const auto issue = ensure_issue(rng.chance(0.5));
      t.set(t.find(issue, "type"), NodeType::string, rng.pick(bad));
      break;
    }
    default: {
      static constexpr std::array<Words, 6> bad = {"skill", "evolvingSkill", "evolving-skill",
                                                   "Post",  "comments",      "evolving_skill "};
      const auto res = ensure_resource();
      t.set(t.find(res, "type"), NodeType::string, rng.pick(bad));
      break;
    }
  }
}

void SessionGenerator::Impl::defect_out_of_range() {
  static constexpr std::array<Words, 12> bad = {"-1",     "-0.5",     "-3.5e1",
                                                "1e400",  "1.0e+400", "-1e400",
                                                "2e308",  "-1e-300",  "-1.7976931348623157e308",
                                                "-0.001", "-120",     "1E309"};
  s1.clear();
  if (rng.chance(0.05)) {
    s1 += '1';
    s1.append(310, '0');  // an integer beyond the largest double
  } else {
    s1 += rng.pick(bad);
  }
  if (rng.chance(0.6)) {
    const auto d = t.find(0, "duration_minutes");
    if (d == kNone) {
      t.raw(0, "duration_minutes", s1);
      t.move_last_randomly(0, rng);
    } else {
      t.set(d, NodeType::raw, s1);
    }
  } else {
    const auto issue = ensure_issue(rng.chance(0.5));
    const auto ts = t.find(issue, "time_spent_minutes");
    if (ts == kNone) {
      t.raw(issue, "time_spent_minutes", s1);
    } else {
      t.set(ts, NodeType::raw, s1);
    }
  }
}

void SessionGenerator::Impl::defect_privacy_violation() {
  auto& s = s1;
  s.clear();
  const auto r = rng.below(4);
  if (r == 0) {
    // The session_id's random part is an AWS key id: redacted, the pattern breaks.
    s += "sess-";
    random_date(s);
    s += "-AKIA";
    random_chars(s, kUpperDigits, 16);
    t.set(ids.session_id, NodeType::string, s);
  } else if (r == 1) {
    s += "sess-";
    random_date(s);
    s += "-AIza";
    random_chars(s, kAlnum, rng.between(35, 60));
    t.set(ids.session_id, NodeType::string, s);
  } else {
    // agent_id within 256 bytes whose redaction pushes it past 256: the marker is
    // longer than the match it replaces.
    s2.clear();
    std::size_t span = 0;
    std::size_t marker = 0;
    if (r == 2) {
      static constexpr std::array<Words, 4> emails = {"ab@cd.io", "ops@ex.org", "x@y.co",
                                                      "dev@acme.ai"};
      s2 += rng.pick(emails);
      span = s2.size();
      marker = std::string_view("[REDACTED:email]").size();
    } else if (rng.chance(0.5)) {
      static constexpr std::array<Words, 3> names = {"bo", "al", "chen.w"};
      const auto& name = rng.pick(names);
      s2 += "/home/";
      s2 += name;
      span = name.size();
      marker = std::string_view("[REDACTED:user_path]").size();
    } else {
      s2 += "xoxb-";
      random_chars(s2, kAlnum, 10);
      span = s2.size();
      marker = std::string_view("[REDACTED:secret]").size();
    }
    // total = filler + ' ' + plant; need total <= 256 < total - span + marker.
    const std::size_t lo = 256 - (marker - span) + 1;
    const std::size_t total = lo + rng.below(256 - lo + 1);
    s += "agent-";
    filler(s, total - s2.size() - 1 - 6);
    s += ' ';
    s += s2;
    t.set(ids.agent_id, NodeType::string, s);
  }
}

Reason SessionGenerator::Impl::apply_defect(std::string& out) {
  auto pick = static_cast<int>(rng.below(static_cast<std::size_t>(total_weight)));
  Reason reason = Reason::malformed_json;
  for (const auto& d : kDefects) {
    if (pick < d.weight) {
      reason = d.reason;
      break;
    }
    pick -= d.weight;
  }

  switch (reason) {
    case Reason::empty_payload: {
      static constexpr std::array<Words, 7> blanks = {"", " ", "\t", "   \t ", "\r", " \r\t ", ""};
      out.assign(rng.pick(blanks));
      if (rng.chance(0.1)) out.assign(100, ' ');
      return reason;
    }
    case Reason::too_large: {
      // A valid record whose description makes it just longer than the limit.
      const auto desc = t.find(ids.task, "description");
      t.set(desc, NodeType::raw, "\"\x01\"");
      serialize(out);
      const auto at = out.find('\x01');
      const std::size_t target = opt.max_record_bytes + 1 + rng.below(64);
      const std::size_t fill = target > out.size() - 1 ? target - (out.size() - 1) : 1;
      s1.clear();
      static constexpr std::string_view block =
          "[rank0]: step 1200 loss=1.734 lr=2.0e-5 grad_norm=0.91 tok/s=41234 | "
          "显存占用 71.2 GiB | débit stable ✅ | ";
      s1.reserve(fill);
      while (s1.size() + block.size() <= fill) s1 += block;
      while (s1.size() < fill) s1 += '.';
      out.replace(at, 1, s1);
      return reason;
    }
    case Reason::invalid_utf8:
      defect_invalid_utf8();
      break;
    case Reason::malformed_json: {
      const bool edit_text = defect_malformed();
      serialize(out);
      if (!edit_text) return reason;
      const auto open = out.find('{');
      const auto close = out.rfind('}');
      switch (rng.below(7)) {
        case 0: {
          // Truncation, on a character boundary, before the closing brace.
          std::size_t cut = open + 1 + rng.below(close - open - 1);
          while (cut > open + 1 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
          out.resize(cut);
          break;
        }
        case 1:
          out.insert(close, ",");
          break;  // a trailing comma
        case 2: {
          static constexpr std::array<Words, 8> trailing = {
              "x", " }", "}", "{}", " {\"a\":1}", ",", " \u3000", " \u2028"};
          out += rng.pick(trailing);
          break;
        }
        case 3:
          out.insert(0, "\xEF\xBB\xBF");
          break;  // a BOM is not whitespace
        case 4: {
          static constexpr std::array<Words, 4> between = {"\u3000", "\ufeff", "\v", "\f"};
          out.insert(open + 1, rng.pick(between));
          break;
        }
        case 5:
          out.insert(open, "{");
          break;
        default: {
          // Two complete values.
          static constexpr std::array<Words, 3> second = {" {\"session_id\": 1}", "[]", " 0"};
          out += rng.pick(second);
          break;
        }
      }
      return reason;
    }
    case Reason::too_deep:
      defect_too_deep();
      break;
    case Reason::not_an_object: {
      const auto r = rng.below(4);
      if (r == 0 && !deep_edge) {  // one more level would make the edge too_deep
        serialize(out);
        out.insert(0, rng.chance(0.5) ? "[" : "[ ");
        out += ']';
      } else if (r == 1) {
        serialize(out);
        if (out.size() < 1500) {
          s1 = "\"";
          append_json_plain(s1, out);
          s1 += '"';
          out.swap(s1);
        } else {
          out.assign("[]");
        }
      } else {
        static constexpr std::array<Words, 10> scalars = {
            "3.14",
            "-0",
            "42",
            "1e5",
            "true",
            "false",
            "null",
            "[ ]",
            "\"sess-2025-02-01-x7k9m\"",
            "[{\"session_id\": \"sess-2025-02-01-x7k9m\"}]"};
        out.assign(rng.pick(scalars));
      }
      return reason;
    }
    case Reason::duplicate_key:
      defect_duplicate_key();
      break;
    case Reason::missing_field:
      defect_missing_field();
      break;
    case Reason::wrong_type:
      defect_wrong_type();
      break;
    case Reason::empty_value:
      defect_empty_value();
      break;
    case Reason::invalid_format:
      defect_invalid_format();
      break;
    case Reason::invalid_enum:
      defect_invalid_enum();
      break;
    case Reason::out_of_range:
      defect_out_of_range();
      break;
    case Reason::privacy_violation:
      defect_privacy_violation();
      break;
    default:
      break;
  }
  serialize(out);
  return reason;
}

GeneratedLabel SessionGenerator::Impl::next(std::string& out) {
  GeneratedLabel label;
  new_style();
  build_valid();
  fit_size(out);
  if (rng.chance(opt.invalid_ratio)) {
    label.reason = apply_defect(out);
    return label;
  }
  if (rng.chance(opt.secret_ratio)) {
    plant_privacy(label.privacy);
    serialize(out);
  }
  return label;
}

SessionGenerator::SessionGenerator(const GeneratorOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}

SessionGenerator::~SessionGenerator() = default;

GeneratedLabel SessionGenerator::next(std::string& out) { return impl_->next(out); }

}  // namespace skillstream::generator
