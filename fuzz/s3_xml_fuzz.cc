// S3 replies (error documents, ListObjectsV2, multipart uploads), read with the s3 module's small
// XML reader (xml.h) the way s3::Client reads them: elements by name, nested lookups inside
// them, text unescaped. Oracle: unescape(escape(s)) gives s back for any text s.
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "xml.h"

using namespace hangar;
using namespace hangar::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view doc(reinterpret_cast<const char*>(data), size);
  fuzz::refuse_or_accept([&] {
    xml::text(doc, "Code");
    xml::text(doc, "Message");
    for (const std::string_view item : xml::elements(doc, "Contents")) {
      xml::text(item, "Key");
      xml::text(item, "Size");
      xml::text(item, "LastModified");
    }
    xml::text(doc, "UploadId");
    if (xml::unescape(xml::escape(doc)) != doc) fuzz::finding("unescape(escape(s)) != s");
  });
  return 0;
}
