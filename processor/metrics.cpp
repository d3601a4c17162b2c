#include "processor/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace skillstream::processor {

void Histogram::observe(double v) noexcept {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // le: v <= bound
  counts_[static_cast<std::size_t>(it - bounds_.begin())].add();
  sum_.store(sum_.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
}

void Histogram::add_to(HistogramSnapshot& out) const noexcept {
  out.bounds = bounds_;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) out.counts[i] += counts_[i].value();
  out.sum += sum_.load(std::memory_order_relaxed);
}

double quantile(const HistogramSnapshot& h, double q) noexcept {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= h.bounds.size(); ++i) total += h.counts[i];
  if (total == 0 || h.bounds.empty()) return std::nan("");
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    const std::uint64_t n = h.counts[i];
    if (n > 0 && static_cast<double>(below + n) >= rank) {
      const double lower = i == 0 ? 0.0 : h.bounds[i - 1];
      const double within =
          std::max(rank - static_cast<double>(below), 0.0) / static_cast<double>(n);
      return lower + (h.bounds[i] - lower) * within;
    }
    below += n;
  }
  return h.bounds.back();  // the rank is in the +Inf bucket
}

namespace {

template <class T>
void append_number(std::string& out, T v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc{} ? end : buf);
}

void escape_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void escape_help(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// Go's ParseFloat spellings, as Prometheus reads them.
void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];  // shortest round trip, fixed down to 0.0001: 0.005, 1, 1e-05
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
    out.append(buf, ec == std::errc{} ? end : buf);
  }
}

constexpr std::string_view type_name(PromWriter::Type t) {
  switch (t) {
    case PromWriter::Type::counter:
      return "counter";
    case PromWriter::Type::gauge:
      return "gauge";
    case PromWriter::Type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string format_reasons(std::span<const std::uint64_t, kReasonCount> counts) {
  std::string out;
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    if (counts[i] == 0 || static_cast<Reason>(i) == Reason::none) continue;
    if (!out.empty()) out += ' ';
    out.append(to_string(static_cast<Reason>(i))).append("=");
    append_number(out, counts[i]);
  }
  return out;
}

void PromWriter::family(std::string_view name, Type type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ");
  escape_help(out_, help);
  out_.append("\n# TYPE ").append(name).append(" ").append(type_name(type)).append("\n");
}

void PromWriter::series(std::string_view name, std::string_view suffix, Labels labels,
                        std::string_view extra_name, std::string_view extra_value) {
  out_.append(name).append(suffix);
  if (labels.size() == 0 && extra_name.empty()) {
    out_ += ' ';
    return;
  }
  char sep = '{';
  auto label = [&](std::string_view n, std::string_view v) {
    out_ += sep;
    out_.append(n).append("=\"");
    escape_label_value(out_, v);
    out_ += '"';
    sep = ',';
  };
  for (const auto& [n, v] : labels) label(n, v);
  if (!extra_name.empty()) label(extra_name, extra_value);
  out_ += "} ";
}

void PromWriter::sample(std::string_view name, Labels labels, double value) {
  series(name, "", labels);
  append_double(out_, value);
  out_ += '\n';
}

void PromWriter::sample(std::string_view name, Labels labels, std::uint64_t value) {
  series(name, "", labels);
  append_number(out_, value);
  out_ += '\n';
}

void PromWriter::sample(std::string_view name, Labels labels, std::int64_t value) {
  series(name, "", labels);
  append_number(out_, value);
  out_ += '\n';
}

void PromWriter::histogram(std::string_view name, Labels labels, const HistogramSnapshot& h) {
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i <= h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    le.clear();
    append_double(le, i < h.bounds.size() ? h.bounds[i] : HUGE_VAL);
    series(name, "_bucket", labels, "le", le);
    append_number(out_, cumulative);
    out_ += '\n';
  }
  series(name, "_sum", labels);
  append_double(out_, h.sum);
  out_ += '\n';
  series(name, "_count", labels);
  append_number(out_, cumulative);
  out_ += '\n';
}

}  // namespace skillstream::processor
