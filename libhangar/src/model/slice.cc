// Slice parsing and numpy-style resolution against a shape.
#include <hangar/error.h>
#include <hangar/slice.h>

#include <charconv>
#include <limits>

namespace hangar {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 'text' (built without `"'" + std::string`, which trips a GCC 12 -Wrestrict false positive).
std::string quoted(std::string_view text) {
  std::string q(1, '\'');
  q.append(text);
  q += '\'';
  return q;
}

[[noreturn]] void bad_slice(std::string_view spec, const std::string& why) {
  fail(ErrorCode::InvalidArgument,
       "invalid slice '" + std::string(spec) + "': " + why + "; use numpy syntax like 0:10,:,5");
}

std::int64_t parse_int(std::string_view spec, std::string_view text) {
  std::string_view t = trim(text);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size())
    bad_slice(spec, quoted(trim(text)) + " is not an integer");
  return v;
}

std::optional<std::int64_t> parse_part(std::string_view spec, std::string_view text) {
  if (trim(text).empty()) return std::nullopt;
  return parse_int(spec, text);
}

std::string item_string(const SliceItem& it) {
  switch (it.kind) {
    case SliceItem::Kind::Index:
      return std::to_string(it.index);
    case SliceItem::Kind::Ellipsis:
      return "...";
    case SliceItem::Kind::Range:
      break;
  }
  std::string s = it.start ? std::to_string(*it.start) : "";
  s += ':';
  if (it.stop) s += std::to_string(*it.stop);
  if (it.step) s += ':' + std::to_string(*it.step);
  return s;
}

// numpy's PySlice_AdjustIndices for one dimension of size n.
SliceDim resolve_range(const SliceItem& it, std::int64_t n) {
  SliceDim d;
  d.step = it.step.value_or(1);
  auto clip = [&](std::optional<std::int64_t> v, std::int64_t lo, std::int64_t hi,
                  std::int64_t absent) {
    if (!v) return absent;
    std::int64_t x = *v;
    if (x < 0) x = x < -n ? lo : x + n;  // no overflow: n >= 0
    if (x < lo) x = lo;
    if (x > hi) x = hi;
    return x;
  };
  if (d.step > 0) {
    const std::int64_t start = clip(it.start, 0, n, 0);
    const std::int64_t stop = clip(it.stop, 0, n, n);
    d.start = start;
    d.count = stop > start ? static_cast<std::uint64_t>((stop - start - 1) / d.step + 1) : 0;
  } else {
    const std::int64_t start = clip(it.start, -1, n - 1, n - 1);
    const std::int64_t stop = clip(it.stop, -1, n - 1, -1);
    d.start = start;
    // -step fits: step > INT64_MIN is checked by parse; the division is done on magnitudes.
    const std::uint64_t mag = static_cast<std::uint64_t>(-(d.step + 1)) + 1;
    d.count = start > stop ? static_cast<std::uint64_t>(start - stop - 1) / mag + 1 : 0;
  }
  if (d.count == 0) d.start = 0;
  return d;
}

}  // namespace

std::string Slice::to_string() const {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) s += ',';
    s += item_string(items[i]);
  }
  return s;
}

Slice parse_slice(std::string_view spec) {
  Slice out;
  if (trim(spec).empty()) return out;
  bool ellipsis = false;
  std::string_view rest = spec;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view text = trim(rest.substr(0, comma));
    SliceItem it;
    if (text.empty()) bad_slice(spec, "empty item");
    if (text == "...") {
      if (ellipsis) bad_slice(spec, "more than one '...'");
      ellipsis = true;
      it.kind = SliceItem::Kind::Ellipsis;
    } else if (text.find(':') == std::string_view::npos) {
      it.kind = SliceItem::Kind::Index;
      it.index = parse_int(spec, text);
    } else {
      const auto c1 = text.find(':');
      const auto c2 = text.find(':', c1 + 1);
      if (c2 != std::string_view::npos && text.find(':', c2 + 1) != std::string_view::npos)
        bad_slice(spec, quoted(text) + " has more than two ':'");
      it.start = parse_part(spec, text.substr(0, c1));
      const std::string_view stop =
          c2 == std::string_view::npos ? text.substr(c1 + 1) : text.substr(c1 + 1, c2 - c1 - 1);
      it.stop = parse_part(spec, stop);
      if (c2 != std::string_view::npos) it.step = parse_part(spec, text.substr(c2 + 1));
      if (it.step && *it.step == 0) bad_slice(spec, "slice step cannot be zero");
      if (it.step && *it.step == std::numeric_limits<std::int64_t>::min())
        bad_slice(spec, "step " + std::to_string(*it.step) + " is out of range");
    }
    out.items.push_back(it);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

ResolvedSlice resolve_slice(const Slice& slice, const Shape& shape) {
  const std::string spec = slice.to_string();
  std::size_t explicit_items = 0;
  for (const auto& it : slice.items) explicit_items += it.kind != SliceItem::Kind::Ellipsis;
  if (explicit_items > shape.size())
    fail(ErrorCode::InvalidArgument, "too many indices: slice '" + spec + "' has " +
                                         std::to_string(explicit_items) + " for a tensor of " +
                                         std::to_string(shape.size()) + " dimensions");
  std::vector<SliceItem> items;  // one per dimension, the ellipsis expanded
  for (const auto& it : slice.items) {
    if (it.kind == SliceItem::Kind::Ellipsis)
      items.insert(items.end(), shape.size() - explicit_items, SliceItem{});
    else
      items.push_back(it);
  }
  items.resize(shape.size(), SliceItem{});
  ResolvedSlice r;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(ErrorCode::InvalidArgument,
           "cannot slice dimension " + std::to_string(d) + " of size " + std::to_string(shape[d]));
    const auto n = static_cast<std::int64_t>(shape[d]);
    const SliceItem& it = items[d];
    if (it.kind == SliceItem::Kind::Index) {
      std::int64_t i = it.index;
      if (i < 0 && i >= -n) i += n;
      if (i < 0 || i >= n)
        fail(ErrorCode::InvalidArgument,
             "index " + std::to_string(it.index) + " is out of bounds for dimension " +
                 std::to_string(d) + " of size " + std::to_string(n) + " in slice '" + spec + "'");
      r.dims.push_back(SliceDim{i, 1, 1, false});
      continue;
    }
    r.dims.push_back(resolve_range(it, n));
    r.out_shape.push_back(r.dims.back().count);
  }
  return r;
}

}  // namespace hangar
