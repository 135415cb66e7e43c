// Writes the seed corpora of the fuzz targets: `make_seeds DIR` (fuzz/corpus) writes
// DIR/<target>/seed-<what>, a few small valid inputs per target made with hangar's own encoders
// (plus libspng and libjpeg for image variants hangar does not write: palettes, low bit depths,
// interlacing, progressive and arithmetic-coded JPEG). Deterministic, so the checked-in corpora
// are reproducible; it never deletes anything (reproducers of fixed findings, regress-*, stay).
#include <hangar/base/codec.h>
#include <hangar/commit.h>
#include <hangar/key.h>
#include <hangar/schema.h>
#include <jpeglib.h>
#include <spng.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "data_protocol.h"
#include "io/jpeg.h"
#include "io/npy.h"
#include "io/png.h"
#include "model/chunk_grid.h"
#include "model/descriptor.h"
#include "pack.h"
#include "protocol.h"
#include "selection_text.h"
#include "store_layout.h"
#include "tree/record_page.h"

namespace fs = std::filesystem;
using namespace hangar;
using namespace hangar::remote;

namespace {

fs::path g_root;

void write(const std::string& target, const std::string& what, ByteView bytes) {
  const fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream(dir / ("seed-" + what), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}
void write(const std::string& target, const std::string& what, std::string_view text) {
  write(target, what, as_bytes(text));
}
// A selector byte (which decoder, which mode) before the body.
void write(const std::string& target, const std::string& what, std::uint8_t selector,
           ByteView body) {
  Bytes b{std::byte{selector}};
  b.insert(b.end(), body.begin(), body.end());
  write(target, what, b);
}

Digest digest_n(int n) { return digest_of(as_bytes("seed " + std::to_string(n))); }

// A tensor whose element bytes count up from `first`.
Tensor ramp(DType dtype, Shape shape, int first = 0) {
  Tensor t(dtype, std::move(shape));
  int v = first;
  for (std::byte& b : t.mutable_data()) b = static_cast<std::byte>(v++ * 37 % 256);
  return t;
}

// ---- import decoders ----

Bytes npy_with_header(int version, std::string header, std::string_view data) {
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(version);
  out += '\0';
  const std::size_t prefix = version == 1 ? 10 : 12;
  header += std::string(63 - (prefix + header.size()) % 64, ' ') + "\n";
  const std::size_t n = header.size();
  for (std::size_t i = 0; i < (version == 1 ? 2u : 4u); ++i)
    out += static_cast<char>((n >> (8 * i)) & 0xFF);
  return to_bytes(out + header + std::string(data));
}

void npy_seeds() {
  write("npy", "u8-2x3", io::encode_npy(ramp(DType::UInt8, {2, 3}).view()));
  write("npy", "f32-scalar", io::encode_npy(ramp(DType::Float32, {}).view()));
  write("npy", "bool-empty", io::encode_npy(Tensor(DType::Bool, {0}).view()));
  write("npy", "i64-4", io::encode_npy(ramp(DType::Int64, {4}).view()));
  write("npy", "f16-2x2x1", io::encode_npy(ramp(DType::Float16, {2, 2, 1}).view()));
  write("npy", "be-i4-v1",
        npy_with_header(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }",
                        std::string_view("\0\0\0\1\0\0\0\2", 8)));
  write("npy", "fortran-u2-v2",
        npy_with_header(2, "{'shape': (1, 3), 'descr': '<u2', 'fortran_order': True}",
                        std::string_view("\1\0\2\0\3\0", 6)));
  write("npy", "b1-v3",
        npy_with_header(3, "{'descr': '|b1', 'fortran_order': False, 'shape': ()}",
                        std::string_view("\1", 1)));
}

// A PNG written by libspng from `image` in the PNG's own layout (packed rows).
Bytes spng_png(spng_ihdr ihdr, ByteView image, const spng_plte* plte = nullptr,
               const spng_trns* trns = nullptr) {
  spng_ctx* ctx = spng_ctx_new(SPNG_CTX_ENCODER);
  spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
  spng_set_ihdr(ctx, &ihdr);
  if (plte) spng_set_plte(ctx, const_cast<spng_plte*>(plte));
  if (trns) spng_set_trns(ctx, const_cast<spng_trns*>(trns));
  int rc = spng_encode_image(ctx, image.data(), image.size(), SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  std::size_t len = 0;
  void* buf = rc == 0 ? spng_get_png_buffer(ctx, &len, &rc) : nullptr;
  spng_ctx_free(ctx);
  if (!buf) {
    std::cerr << "make_seeds: libspng: " << spng_strerror(rc) << '\n';
    std::exit(1);
  }
  Bytes out(static_cast<const std::byte*>(buf), static_cast<const std::byte*>(buf) + len);
  std::free(buf);
  return out;
}

void png_seeds() {
  write("png", "gray8", io::encode_png(ramp(DType::UInt8, {4, 5}).view(), "seed"));
  write("png", "gray-alpha8", io::encode_png(ramp(DType::UInt8, {3, 3, 2}).view(), "seed"));
  write("png", "rgb8", io::encode_png(ramp(DType::UInt8, {4, 4, 3}).view(), "seed"));
  write("png", "rgba16", io::encode_png(ramp(DType::UInt16, {2, 3, 4}).view(), "seed"));
  write("png", "gray16", io::encode_png(ramp(DType::UInt16, {3, 2}).view(), "seed"));
  const Tensor packed = ramp(DType::UInt8, {16});
  // 2-bit palette with transparency: 4x4, one byte a row.
  spng_plte plte{};
  plte.n_entries = 4;
  for (std::uint32_t i = 0; i < 4; ++i)
    plte.entries[i] = {static_cast<std::uint8_t>(60 * i), 255, static_cast<std::uint8_t>(i), 0};
  spng_trns trns{};
  trns.n_type3_entries = 2;
  trns.type3_alpha[0] = 0;
  trns.type3_alpha[1] = 128;
  write(
      "png", "palette2-trns",
      spng_png({4, 4, 2, SPNG_COLOR_TYPE_INDEXED, 0, 0, 0}, packed.data().first(4), &plte, &trns));
  write("png", "gray1",
        spng_png({8, 3, 1, SPNG_COLOR_TYPE_GRAYSCALE, 0, 0, 0}, packed.data().first(3)));
  write("png", "gray4",
        spng_png({3, 2, 4, SPNG_COLOR_TYPE_GRAYSCALE, 0, 0, 0}, packed.data().first(4)));
  write("png", "rgb8-interlaced",
        spng_png({5, 5, 8, SPNG_COLOR_TYPE_TRUECOLOR, 0, 0, SPNG_INTERLACE_ADAM7},
                 ramp(DType::UInt8, {5, 5, 3}).data()));
}

// A JPEG written by libjpeg from uint8 `image` [H,W,C] with `setup` adjusting the defaults.
Bytes libjpeg_jpeg(const Tensor& image, const std::function<void(jpeg_compress_struct&)>& setup) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);  // a failure prints and exits: this is a tool
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long len = 0;
  jpeg_mem_dest(&c, &buf, &len);
  const Shape& s = image.shape();
  c.image_height = static_cast<JDIMENSION>(s[0]);
  c.image_width = static_cast<JDIMENSION>(s[1]);
  c.input_components = s.size() == 3 ? static_cast<int>(s[2]) : 1;
  c.in_color_space = c.input_components == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&c);
  setup(c);
  jpeg_start_compress(&c, TRUE);
  const std::size_t row = s[1] * static_cast<std::size_t>(c.input_components);
  while (c.next_scanline < c.image_height) {
    auto* line = const_cast<JSAMPLE*>(
        reinterpret_cast<const JSAMPLE*>(image.data().data() + c.next_scanline * row));
    jpeg_write_scanlines(&c, &line, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  Bytes out(reinterpret_cast<const std::byte*>(buf), reinterpret_cast<const std::byte*>(buf) + len);
  std::free(buf);
  return out;
}

void jpeg_seeds() {
  write("jpeg", "gray8x8", io::encode_jpeg(ramp(DType::UInt8, {8, 8}).view(), 90, "seed"));
  write("jpeg", "rgb16x16", io::encode_jpeg(ramp(DType::UInt8, {16, 16, 3}).view(), 75, "seed"));
  write("jpeg", "rgb9x17", io::encode_jpeg(ramp(DType::UInt8, {9, 17, 3}).view(), 95, "seed"));
  const Tensor rgb = ramp(DType::UInt8, {12, 10, 3});
  write("jpeg", "progressive",
        libjpeg_jpeg(rgb, [](jpeg_compress_struct& c) { jpeg_simple_progression(&c); }));
  write("jpeg", "arithmetic-gray",
        libjpeg_jpeg(ramp(DType::UInt8, {9, 9}),
                     [](jpeg_compress_struct& c) { c.arith_code = TRUE; }));
  write("jpeg", "444-restart-optimized", libjpeg_jpeg(rgb, [](jpeg_compress_struct& c) {
          for (int i = 0; i < 3; ++i)
            c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
          c.restart_interval = 1;
          c.optimize_coding = TRUE;
        }));
}

// ---- history objects ----

Commit seed_commit(std::vector<Digest> parents, std::string message) {
  Commit c;
  c.parents = std::move(parents);
  c.columns = {{"images", digest_n(1), digest_n(2), 3, 2352},
               {"labels", digest_n(3), Digest{}, 0, 0}};
  c.author = "Ada Lovelace";
  c.email = "ada@example.org";
  c.time = 1764000000;
  c.message = std::move(message);
  return c;
}

void object_seeds() {
  write("commit", "root", encode_commit(seed_commit({}, "Import photos")));
  write("commit", "merge",
        encode_commit(seed_commit({digest_n(4), digest_n(5)}, "Merge 'fixes'\n\nTwo samples. é")));

  ColumnSchema flat;
  flat.name = "images";
  flat.shape = {28, 28};
  write("schema", "flat-u8", encode_schema(flat));
  ColumnSchema nested;
  nested.name = "points.v2";
  nested.dtype = DType::Float32;
  nested.shape = {100, 3};
  nested.variable_shape = true;
  nested.layout = Layout::Nested;
  nested.backend = BackendChoice::Hdf5;
  nested.compression_level = 19;
  nested.attributes = {{"labels", "cat,dog"}, {"source", "lidar"}};
  write("schema", "nested-f32", encode_schema(nested));

  // Several chunks by the grid rule; and one chunk with a shape too long to be held inline.
  for (const auto& [what, dtype, shape] :
       {std::tuple{"u8-2048x4096", DType::UInt8, Shape{2048, 4096}},
        std::tuple{"f64-3000x1000", DType::Float64, Shape{3000, 1000}},
        std::tuple{"u8-14-dims", DType::UInt8, Shape(14, 1)}}) {
    Descriptor d;
    d.dtype = dtype;
    d.shape = shape;
    const ChunkGrid grid = choose_grid(dtype, shape);
    d.chunk_shape = grid.chunk_shape;
    for (std::uint64_t i = 0; i < grid.chunk_count(); ++i)
      d.chunks.push_back(digest_n(static_cast<int>(i)));
    write("descriptor", what, encode_descriptor(d));
  }

  std::vector<PageEntry> leaf;
  const SampleId image = *SampleId::make_inline(DType::UInt8, {28, 28}, digest_n(6));
  leaf.push_back(PageEntry::record(Key(0).encoded(), record_value_of(image, 784)));
  leaf.push_back(PageEntry::record(
      Key(7).encoded(), record_value_of(*SampleId::make_inline(DType::Int64, {}, digest_n(7)), 8)));
  leaf.push_back(PageEntry::record(
      Key("cat/001").encoded(), record_value_of(SampleId::of_descriptor(digest_n(8)), 8u << 20)));
  leaf.push_back(
      PageEntry::record(Key("empty").encoded(),
                        record_value_of(*SampleId::make_inline(DType::Float32, {0, 3}, {}), 0)));
  write("record_page", "leaf", encode_page(0, leaf));
  const std::vector<PageEntry> internal{{Key(0).encoded(), digest_n(9), 120, 94080, {}},
                                        {Key("dog").encoded(), digest_n(10), 7, 1 << 20, {}}};
  write("record_page", "internal", encode_page(1, internal));
}

// ---- chunks ----

// The chunk target's input: codec byte, u32 raw size, stored bytes.
Bytes chunk_input(const storage::EncodedChunk& c) {
  Bytes b{static_cast<std::byte>(c.codec)};
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::byte>((c.raw_size >> (8 * i)) & 0xFF));
  b.insert(b.end(), c.stored.begin(), c.stored.end());
  return b;
}

void chunk_seeds() {
  write("chunk", "raw", chunk_input(storage::encode_chunk(as_bytes("abc"))));
  write("chunk", "zstd", chunk_input(storage::encode_chunk(Bytes(2048, std::byte{7}))));
  const Tensor image = ramp(DType::UInt8, {16, 16, 3});
  write("chunk", "zstd-delta",
        chunk_input(storage::encode_chunk(image.data(), storage::kDefaultZstdLevel,
                                          storage::DeltaFilter{1, 3, 48})));
}

// ---- local files ----

void file_seeds() {
  const std::string base =
      "# hangar repository configuration\nformat_version = 2\nuser.email = ada@example.org\n"
      "user.name = Ada Lovelace\n";
  write("config", "plain", base);
  DataSelection sel;
  sel.columns = {"images", "labels"};
  sel.keys = {Key(3), Key("cat/001")};
  sel.fraction = 0.25;
  sel.seed = 7;
  write("config", "incomplete-clone",
        base +
            "clone.incomplete = http://127.0.0.1:8080\nclone.remote = origin\n"
            "clone.selection = " +
            encode_selection(sel) + "\nremote.origin.url = http://127.0.0.1:8080\n");
  DataSelection budget;
  budget.max_bytes = 200u << 20;
  budget.stratify = "labels";
  write("config", "budget-selection",
        base + "clone.selection = " + encode_selection(budget) + "\n");
  DataSelection history;
  history.max_percent = 12.5;
  history.all_history = true;
  write("config", "history-selection",
        base + "clone.selection = " + encode_selection(history) + "\n");
  write("config", "format1", "format_version = 1\n");
  write("config", "extension", "format_version = 2\nextensions.refstorage = reftable\n");

  using namespace std::string_literals;
  write("tokens", "read-write", "read r-token\nwrite w-token\n\0Bearer w-token"s);
  write("tokens", "comments-spaces", "# who may push\n\n  write \tabc123 \r\n\0bearer   abc123 "s);
  write("tokens", "basic", "read x\0Basic cjp0b2tlbg=="s);
}

// ---- the wire ----

Bytes pack_of(const std::function<void(PackWriter&)>& add) {
  PackWriter w;
  add(w);
  w.finish();
  return to_bytes(w.pending());
}

// A built-mode record of the pack target: tag, u16 length, bytes.
void add_record(Bytes& out, std::uint8_t tag, ByteView body) {
  out.push_back(std::byte{tag});
  out.push_back(static_cast<std::byte>(body.size() & 0xFF));
  out.push_back(static_cast<std::byte>(body.size() >> 8));
  out.insert(out.end(), body.begin(), body.end());
}

void pack_seeds() {
  const Bytes commit = encode_commit(seed_commit({digest_n(4)}, std::string(300, 'm')));
  ColumnSchema schema;
  schema.name = "images";
  schema.shape = {4, 4};
  const Bytes schema_bytes = encode_schema(schema);
  const Bytes small = Bytes(100, std::byte{'h'});
  const storage::EncodedChunk raw = storage::encode_chunk(as_bytes("abc"));
  const storage::EncodedChunk zstd = storage::encode_chunk(small);
  const Bytes pack = pack_of([&](PackWriter& w) {
    w.add_object(transfer::ObjectType::Commit, digest_of(commit), commit);  // zstd (300+ B)
    w.add_object(transfer::ObjectType::Schema, digest_of(schema_bytes), schema_bytes);
    w.add_chunk({raw.digest, raw.codec, raw.raw_size, raw.stored});
    w.add_chunk({zstd.digest, zstd.codec, zstd.raw_size, zstd.stored});
  });
  write("pack", "raw-whole", 0x00, pack);
  write("pack", "raw-pieces-7", 0x07, pack);
  write("pack", "raw-empty", 0x00, pack_of([](PackWriter&) {}));
  Bytes built;
  add_record(built, 0, commit);
  add_record(built, 1, schema_bytes);
  add_record(built, 5, small);
  add_record(built, 6, ramp(DType::UInt8, {8, 8}).data());
  write("pack", "built-pieces-13", 0x80 | 13, built);
}

void protocol_seeds() {
  const auto body = [](std::uint8_t selector, const std::string& what, const std::string& json) {
    write("protocol", what, selector, as_bytes(json));
  };
  ServerInfo info{2, "hangar 0.1.0", "data", false, {protocol::kStoreCapability}};
  body(0, "info", protocol::encode_info(info, 2));
  body(1, "refs", protocol::encode_refs({"main", {{"dev", digest_n(1)}, {"main", digest_n(2)}}}));
  body(2, "history", protocol::encode_history_request({{digest_n(1)}, {digest_n(2), digest_n(3)}}));
  const std::vector<Digest> ids{digest_n(1), digest_n(2)};
  body(3, "digests", protocol::encode_digests(ids));
  const std::vector<RefUpdate> updates{{"main", digest_n(1), digest_n(2), false},
                                       {"dev", std::nullopt, digest_n(3), true}};
  body(4, "updates", protocol::encode_updates(updates));
  body(5, "push-accepted", protocol::encode_push_reply({true, "", 12, 40}));
  body(5, "push-rejected", protocol::encode_push_reply({false, "not a fast-forward", 0, 0}));
  body(6, "error", protocol::encode_error("no branch 'x'; known: main"));
  body(6, "error-plain", "502 Bad Gateway\r\n");
  ChunkLocations where;
  where.pack_urls = {"http://127.0.0.1:7480/b/data/p.pack?X-Amz-Signature=abc"};
  where.items = {{digest_n(1), 0, 0, 100, 200, storage::ChunkCodec::Zstd, 123},
                 {digest_n(2), 0, 100, 3, 3, storage::ChunkCodec::Raw, 456}};
  body(7, "locations", protocol::encode_locations(where));
  body(8, "upload-request", protocol::encode_upload_request({"", {{digest_n(1), 1000, 57}}}));
  // Selector 20: the upload-reply decoder expecting one URL pair (20 % 11 == 9, 20 / 11 == 1).
  body(20, "upload-reply",
       protocol::encode_upload_reply(
           {"0123456789abcdef0123456789abcdef", {{"http://a/p", "http://a/i"}}}));
  body(10, "gc-report", protocol::encode_gc_report({1, 2, 3, 4, 5, 6}));

  for (const auto& [what, url] : {std::pair{"http-port", "http://127.0.0.1:8080"},
                                  {"http-prefix", "http://example.org:80/hangar/data/"},
                                  {"http-ipv6", "http://[::1]:8080/x"},
                                  {"s3-prefix", "s3://my-bucket/a/b"},
                                  {"s3-bucket", "s3://bucket"},
                                  {"https-endpoint", "https://s3.example.com:9000"},
                                  {"path", "/srv/data"}})
    write("url", what, std::string_view(url));
}

void store_seeds() {
  store::PackBuilder builder;
  for (const std::string_view s : {"abc", "defgh", "ij"}) {
    const storage::EncodedChunk c = storage::encode_chunk(as_bytes(s));
    builder.add({c.digest, c.codec, c.raw_size, c.stored});
  }
  const Bytes index = store::encode_index(builder.finish().second);
  write("store", "index", 0, index);
  write("store", "index-untrailed", 1, ByteView(index).first(index.size() - Digest::kSize));
  store::Manifest m;
  m.head = "main";
  m.branches = {{"dev", digest_n(1)}, {"main", digest_n(2)}};
  m.history = {digest_n(3)};
  m.data = {digest_n(4), digest_n(5)};
  write("store", "manifest", 2, as_bytes(store::encode_manifest(m)));

  write("s3_xml", "list",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>b</Name>"
        "<IsTruncated>true</IsTruncated><NextContinuationToken>1x&amp;y</NextContinuationToken>"
        "<Contents><Key>data/a&lt;1&gt;.pack</Key><LastModified>2026-11-24T10:58:00.000Z"
        "</LastModified><ETag>&quot;9b2c&quot;</ETag><Size>1024</Size></Contents>"
        "<Contents><Key>manifest.json</Key><Size>77</Size></Contents></ListBucketResult>");
  write("s3_xml", "error",
        "<Error><Code>NoSuchKey</Code><Message>The key &#x27;a&#39; does not exist"
        "</Message></Error>");
  write("s3_xml", "multipart",
        "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>2~abc</UploadId>"
        "</InitiateMultipartUploadResult>");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds CORPUS_DIR   (writes CORPUS_DIR/<target>/seed-*)\n";
    return 2;
  }
  g_root = argv[1];
  npy_seeds();
  png_seeds();
  jpeg_seeds();
  object_seeds();
  chunk_seeds();
  file_seeds();
  pack_seeds();
  protocol_seeds();
  store_seeds();
  return 0;
}
