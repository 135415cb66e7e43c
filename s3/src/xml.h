// Just enough XML for S3 replies (errors, ListObjectsV2, multipart): elements found by name,
// text unescaped. Not a general parser: S3 replies are flat and small, and every value we
// read is checked afterwards. Private to the s3 module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::s3::xml {

// The raw inner text of every <tag>...</tag> (also <tag attr="...">...</tag>) in `doc`, in
// order; nested elements of the same name are not supported (S3 has none). <tag/> gives "".
std::vector<std::string_view> elements(std::string_view doc, std::string_view tag);

// The unescaped text of the first <tag> element, or nullopt.
std::optional<std::string> text(std::string_view doc, std::string_view tag);

// Resolves &amp; &lt; &gt; &quot; &apos; &#NN; &#xNN; (ASCII only; others are kept as written).
std::string unescape(std::string_view s);

// Escapes & < > " for element text.
std::string escape(std::string_view s);

}  // namespace hangar::s3::xml
