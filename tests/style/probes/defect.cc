// style:tidy-probe: a copy that clang-tidy with the repository's .clang-tidy must refuse
// (performance-unnecessary-value-param), so a broken or ignored .clang-tidy fails the test.
#include <string>

std::size_t length_of(std::string text) { return text.size(); }
