// The repository config file (.hangar/config), as every open of a repository reads it
// (RepoConfig::parse, the checks of RepoConfig::load), and the clone.selection value in it that
// 'hangar fetch-data' decodes to finish an interrupted clone (decode_selection). Oracle: a
// selection that decodes survives encode_selection (a stable round trip).
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "repo/config.h"
#include "selection_text.h"

using namespace hangar;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz::refuse_or_accept([&] {
    const RepoConfig config = RepoConfig::parse(text, "/fuzz/.hangar/config");
    const std::string selection = config.get("clone.selection");
    const std::string once =
        remote::encode_selection(remote::decode_selection(selection, "fuzz config"));
    if (remote::encode_selection(remote::decode_selection(once, "re-encoded")) != once)
      fuzz::finding("a decoded selection does not survive encode_selection");
  });
  return 0;
}
