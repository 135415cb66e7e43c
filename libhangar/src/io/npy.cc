// .npy decode/encode: a small strict parser for the header dict, and numpy-identical output.
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#include "io/npy.h"

#include <hangar/error.h>

#include <array>
#include <bit>
#include <cstring>
#include <optional>
#include <string_view>

namespace hangar::io {
namespace {

static_assert(std::endian::native == std::endian::little, "hangar assumes a little-endian host");

constexpr std::string_view kMagic{"\x93NUMPY", 6};
constexpr std::size_t kArrayAlign = 64;           // numpy.lib.format.ARRAY_ALIGN
constexpr std::size_t kGrowthAxisMaxDigits = 21;  // numpy.lib.format.GROWTH_AXIS_MAX_DIGITS
constexpr std::size_t kMaxQuotedDescr = 60;       // longer unsupported descrs are cut in messages

struct DescrCode {
  DType dtype;
  std::string_view code;  // numpy kind + item size
};
constexpr std::array<DescrCode, 12> kDescrCodes{{
    {DType::Bool, "b1"},
    {DType::Int8, "i1"},
    {DType::Int16, "i2"},
    {DType::Int32, "i4"},
    {DType::Int64, "i8"},
    {DType::UInt8, "u1"},
    {DType::UInt16, "u2"},
    {DType::UInt32, "u4"},
    {DType::UInt64, "u8"},
    {DType::Float16, "f2"},
    {DType::Float32, "f4"},
    {DType::Float64, "f8"},
}};

std::string_view numpy_code(DType t) {
  for (const DescrCode& d : kDescrCodes)
    if (d.dtype == t) return d.code;
  fail(ErrorCode::Internal, "dtype code " + std::to_string(static_cast<int>(t)) + " has no descr");
}

// Fortran and C order store the same bytes when at most one dimension is longer than 1.
bool fortran_layout_differs(const Shape& shape) {
  int long_dims = 0;
  for (std::uint64_t d : shape) {
    if (d == 0) return false;
    if (d > 1) ++long_dims;
  }
  return long_dims > 1;
}

struct Header {
  DType dtype = DType::UInt8;
  bool big_endian = false;
  Shape shape;
};

// Parses the Python dict literal numpy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Only the literals numpy produces are accepted (strings without escapes, True/False, tuples of
// non-negative ints with an optional Python 2 'L' suffix).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : s_(text), name_(name) {}

  Header parse() {
    std::optional<std::string_view> descr;
    std::optional<bool> fortran_order;
    std::optional<Shape> shape;
    skip_ws();
    expect('{');
    for (;;) {
      skip_ws();
      if (try_consume('}')) break;
      const std::string_view key = parse_string();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr" && !descr) {
        descr = peek() == '\'' || peek() == '"' ? parse_string() : skip_value();
      } else if (key == "fortran_order" && !fortran_order) {
        fortran_order = parse_bool();
      } else if (key == "shape" && !shape) {
        shape = parse_shape();
      } else {
        bad("unexpected or repeated key '" + std::string(key) + "'");
      }
      skip_ws();
      if (try_consume(',')) continue;
      expect('}');
      break;
    }
    skip_ws();
    if (pos_ != s_.size()) bad("unexpected text after the header dict");
    if (!descr) bad("missing key 'descr'");
    if (!fortran_order) bad("missing key 'fortran_order'");
    if (!shape) bad("missing key 'shape'");
    if (*fortran_order && fortran_layout_differs(*shape))
      fail(ErrorCode::InvalidArgument,
           "'" + name_ +
               "' is stored in Fortran order, hangar reads C order only; re-save it "
               "with np.save(path, np.ascontiguousarray(a))");
    Header h = to_header(*descr);
    h.shape = std::move(*shape);
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& why) const {
    fail(ErrorCode::InvalidArgument, "invalid .npy header in '" + name_ + "': " + why +
                                         " (at byte " + std::to_string(pos_) +
                                         "); re-save it with np.save");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool try_consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!try_consume(c)) bad(std::string("expected '") + c + "'");
  }

  std::string_view parse_string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a quoted string");
    const std::size_t end = s_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) bad("unterminated string");
    const std::string_view body = s_.substr(pos_ + 1, end - pos_ - 1);
    if (body.find('\\') != std::string_view::npos) bad("escapes in strings are not supported");
    pos_ = end + 1;
    return body;
  }

  // Skips any other literal (a structured descr is a list of tuples) and returns its text.
  std::string_view skip_value() {
    const std::size_t start = pos_;
    int depth = 0;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\'' || c == '"') {
        parse_string();
        continue;
      }
      if (depth == 0 && (c == ',' || c == '}')) break;
      if (c == '[' || c == '(' || c == '{') ++depth;
      if (c == ']' || c == ')' || c == '}') --depth;
      ++pos_;
    }
    std::string_view text = s_.substr(start, pos_ - start);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
  }

  bool parse_bool() {
    for (const bool value : {true, false}) {
      const std::string_view word = value ? "True" : "False";
      if (s_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    bad("expected True or False");
  }

  std::uint64_t parse_int() {
    const std::size_t start = pos_;
    std::uint64_t n = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(s_[pos_] - '0');
      if (n > (UINT64_MAX - digit) / 10) bad("dimension does not fit in 64 bits");
      n = n * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) bad("expected a non-negative integer");
    if (s_[start] == '0' && pos_ - start > 1) bad("integer with a leading zero");
    if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 long literal in old files
    return n;
  }

  Shape parse_shape() {
    Shape shape;
    expect('(');
    skip_ws();
    if (try_consume(')')) return shape;
    for (;;) {
      if (shape.size() == kMaxDims) bad("shape has more than 31 dimensions");
      shape.push_back(parse_int());
      skip_ws();
      if (try_consume(',')) {
        skip_ws();
        if (try_consume(')')) return shape;
        continue;
      }
      expect(')');
      if (shape.size() == 1) bad("shape is not a tuple (a 1-tuple needs a trailing comma)");
      return shape;
    }
  }

  Header to_header(std::string_view descr) const {
    Header h;
    if (descr.size() == 3) {
      const char order = descr[0];
      for (const DescrCode& d : kDescrCodes) {
        if (descr.substr(1) != d.code) continue;
        const bool one_byte = dtype_size(d.dtype) == 1;
        if (order == '<' || order == '>' || (order == '|' && one_byte)) {
          h.dtype = d.dtype;
          h.big_endian = order == '>' && !one_byte;
          return h;
        }
      }
    }
    std::string quoted(descr.substr(0, kMaxQuotedDescr));
    if (descr.size() > kMaxQuotedDescr) quoted += "...";
    fail(ErrorCode::InvalidArgument,
         "unsupported dtype '" + quoted + "' in '" + name_ +
             "'; hangar stores bool, int8..int64, uint8..uint64 and float16..float64");
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  const std::string& name_;
};

template <typename U, U (*Swap)(U)>
void swap_elements(std::byte* p, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i, p += sizeof(U)) {
    U v;
    std::memcpy(&v, p, sizeof(U));
    v = Swap(v);
    std::memcpy(p, &v, sizeof(U));
  }
}
std::uint16_t bswap16(std::uint16_t v) { return __builtin_bswap16(v); }
std::uint32_t bswap32(std::uint32_t v) { return __builtin_bswap32(v); }
std::uint64_t bswap64(std::uint64_t v) { return __builtin_bswap64(v); }

void byteswap_in_place(Bytes& data, std::size_t item_size) {
  const std::size_t count = data.size() / item_size;
  if (item_size == 2) swap_elements<std::uint16_t, bswap16>(data.data(), count);
  if (item_size == 4) swap_elements<std::uint32_t, bswap32>(data.data(), count);
  if (item_size == 8) swap_elements<std::uint64_t, bswap64>(data.data(), count);
}

std::uint32_t read_le(ByteView b, std::size_t offset, std::size_t width) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v |= static_cast<std::uint32_t>(b[offset + i]) << (8 * i);
  return v;
}

// Python's repr() of a tuple of ints: "()", "(3,)", "(3, 4)".
std::string shape_repr(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  s += shape.size() == 1 ? ",)" : ")";
  return s;
}

}  // namespace

Tensor decode_npy(ByteView file, const std::string& name,
                  const std::function<void(DType, const Shape&)>& on_declared) {
  const std::size_t kPreludeV1 = kMagic.size() + 4;  // magic, version, u16 header length
  if (file.size() < kMagic.size() + 2 || as_string_view(file.first(kMagic.size())) != kMagic)
    fail(ErrorCode::InvalidArgument, "'" + name + "' is not a .npy file (bad magic or too short)");
  const auto major = static_cast<unsigned>(file[6]);
  const auto minor = static_cast<unsigned>(file[7]);
  if (major < 1 || major > 3 || minor != 0)
    fail(ErrorCode::InvalidArgument, "unsupported .npy format version " + std::to_string(major) +
                                         "." + std::to_string(minor) + " in '" + name +
                                         "'; hangar reads versions 1.0, 2.0 and 3.0");
  const std::size_t len_width = major == 1 ? 2 : 4;
  const std::size_t prelude = kPreludeV1 - 2 + len_width;
  if (file.size() < prelude)
    fail(ErrorCode::InvalidArgument, "'" + name + "' is truncated inside the .npy prelude");
  const std::size_t header_len = read_le(file, prelude - len_width, len_width);
  if (header_len > file.size() - prelude)
    fail(ErrorCode::InvalidArgument, "'" + name + "' is truncated: the .npy header needs " +
                                         std::to_string(header_len) + " bytes, " +
                                         std::to_string(file.size() - prelude) + " are present");
  Header h = HeaderParser(as_string_view(file.subspan(prelude, header_len)), name).parse();

  // Size checks come before the one allocation (the tensor's buffer).
  const std::size_t item = dtype_size(h.dtype);
  const std::uint64_t nbytes = checked_element_count(h.shape, h.dtype, "'" + name + "'") * item;
  if (on_declared) on_declared(h.dtype, h.shape);
  const ByteView data = file.subspan(prelude + header_len);
  if (data.size() != nbytes) {
    const std::string what = std::string(dtype_name(h.dtype)) + " " + shape_to_string(h.shape);
    if (data.size() < nbytes)
      fail(ErrorCode::InvalidArgument, "'" + name + "' is truncated: " + what + " needs " +
                                           std::to_string(nbytes) + " data bytes, " +
                                           std::to_string(data.size()) + " are present");
    fail(ErrorCode::InvalidArgument, "'" + name + "' has " + std::to_string(data.size() - nbytes) +
                                         " unexpected bytes after the array data");
  }
  Bytes bytes(data.begin(), data.end());
  if (h.big_endian) byteswap_in_place(bytes, item);
  return Tensor(h.dtype, std::move(h.shape), std::move(bytes));
}

Bytes encode_npy(const TensorView& tensor) {
  const std::size_t item = dtype_size(tensor.dtype);
  const std::uint64_t nbytes = checked_element_count(tensor.shape, tensor.dtype, "tensor") * item;
  if (tensor.data.size() != nbytes)
    fail(ErrorCode::InvalidArgument, "cannot write .npy: " + std::string(dtype_name(tensor.dtype)) +
                                         " " + shape_to_string(tensor.shape) + " needs " +
                                         std::to_string(nbytes) + " bytes, got " +
                                         std::to_string(tensor.data.size()));

  // Mirrors numpy.lib.format._write_array_header and _wrap_header (numpy 1.24).
  const char order = item == 1 ? '|' : '<';
  std::string dict = "{'descr': '";
  dict += order;
  dict += numpy_code(tensor.dtype);
  dict += "', 'fortran_order': False, 'shape': ";
  dict += shape_repr(tensor.shape);
  dict += ", }";
  if (!tensor.shape.empty()) {
    const std::size_t digits = std::to_string(tensor.shape[0]).size();
    if (digits < kGrowthAxisMaxDigits) dict.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  std::size_t len_width = 2;
  std::size_t prelude = kMagic.size() + 2 + len_width;
  std::size_t header_len = dict.size() + 1;  // + '\n'
  std::size_t pad = kArrayAlign - (prelude + header_len) % kArrayAlign;
  if (header_len + pad > 0xffff) {  // does not fit version 1.0's u16 length: use 2.0
    len_width = 4;
    prelude += 2;
    pad = kArrayAlign - (prelude + header_len) % kArrayAlign;
  }
  header_len += pad;

  std::string head(kMagic);
  head += static_cast<char>(len_width == 2 ? 1 : 2);
  head += '\0';
  for (std::size_t i = 0; i < len_width; ++i)
    head += static_cast<char>((header_len >> (8 * i)) & 0xff);
  head += dict;
  head.append(pad, ' ');
  head += '\n';

  Bytes out;
  out.reserve(head.size() + nbytes);
  const ByteView head_bytes = as_bytes(head);
  out.insert(out.end(), head_bytes.begin(), head_bytes.end());
  out.insert(out.end(), tensor.data.begin(), tensor.data.end());
  return out;
}

}  // namespace hangar::io
