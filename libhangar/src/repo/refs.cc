// Branch name rules (git check-ref-format) and the LMDB ref store.
#include "repo/refs.h"

#include <hangar/error.h>

namespace hangar {
namespace {
constexpr std::string_view kHead = "HEAD";
constexpr std::string_view kHeadsPrefix = "refs/heads/";

// git's check-ref-format rules for one branch or tag name; `kind` ("branch", "tag") for messages.
void validate_ref_name(std::string_view name, std::string_view kind) {
  auto bad = [&](std::string_view why) {
    fail(ErrorCode::InvalidArgument,
         "invalid " + std::string(kind) + " name '" + std::string(name) + "': " + std::string(why));
  };
  if (name.empty()) bad("it is empty");
  if (name.size() > 200) bad("it is longer than 200 bytes");
  if (name == "HEAD" || name == "@") bad("it is reserved");
  if (name.front() == '-') bad("it must not start with '-'");
  if (name.front() == '/' || name.back() == '/') bad("it must not start or end with '/'");
  if (name.back() == '.') bad("it must not end with '.'");
  if (name.find("..") != name.npos) bad("it must not contain '..'");
  if (name.find("//") != name.npos) bad("it must not contain '//'");
  if (name.find("@{") != name.npos) bad("it must not contain '@{'");
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' ||
        c == '*' || c == '[' || c == '\\')
      bad("it must not contain control characters, spaces or any of ~ ^ : ? * [ \\");
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == name.npos) end = name.size();
    std::string_view seg = name.substr(start, end - start);
    if (!seg.empty() && seg.front() == '.') bad("no component may start with '.'");
    if (seg.size() >= 5 && seg.substr(seg.size() - 5) == ".lock")
      bad("no component may end with '.lock'");
    start = end + 1;
  }
}
}  // namespace

void validate_branch_name(std::string_view name) { validate_ref_name(name, "branch"); }

void validate_tag_name(std::string_view name) { validate_ref_name(name, "tag"); }

std::optional<Digest> RefStore::read(const lmdb::Txn& txn, std::string_view ref) const {
  auto v = txn.get(table_, as_bytes(ref));
  if (!v) return std::nullopt;
  try {
    return Digest::from_bytes(*v);
  } catch (const Error&) {
    fail(ErrorCode::Corrupt, "corrupt ref '" + std::string(ref) + "': not a " +
                                 std::to_string(Digest::kSize) + "-byte digest");
  }
}

bool RefStore::compare_and_swap(lmdb::WriteTxn& txn, std::string_view ref,
                                const std::optional<Digest>& expected,
                                const Digest& desired) const {
  if (read(txn, ref) != expected) return false;
  txn.put(table_, as_bytes(ref), desired.view());
  return true;
}

bool RefStore::remove(lmdb::WriteTxn& txn, std::string_view ref) const {
  return txn.del(table_, as_bytes(ref));
}

std::vector<std::pair<std::string, Digest>> RefStore::list(const lmdb::Txn& txn,
                                                           std::string_view prefix) const {
  std::vector<std::pair<std::string, Digest>> out;
  for (auto [k, v] : lmdb::prefix_range(txn, table_, as_bytes(prefix))) {
    std::string name(as_string_view(k));
    out.emplace_back(name, Digest::from_bytes(v));
  }
  return out;
}

std::string RefStore::head_branch(const lmdb::Txn& txn) const {
  auto v = txn.get(table_, as_bytes(kHead));
  if (!v) fail(ErrorCode::Corrupt, "corrupt repository: HEAD is missing");
  std::string_view ref = as_string_view(*v);
  if (ref.substr(0, kHeadsPrefix.size()) != kHeadsPrefix)
    fail(ErrorCode::Corrupt, "corrupt repository: HEAD names '" + std::string(ref) + "'");
  return std::string(ref.substr(kHeadsPrefix.size()));
}

void RefStore::set_head_branch(lmdb::WriteTxn& txn, std::string_view branch) const {
  txn.put(table_, as_bytes(kHead), as_bytes(branch_ref(branch)));
}

}  // namespace hangar
