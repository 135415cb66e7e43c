// Colour on a terminal (git's colour.ui): --color=auto (the default) colours only when stdout
// is a terminal and NO_COLOR is unset or empty (https://no-color.org); --color=always and
// --color=never force it. Never with --json.
#pragma once

#include <string>
#include <string_view>

namespace hangar::cli {

enum class ColorMode { Auto, Always, Never };

// "auto" | "always" | "never". Throws: UsageError.
ColorMode parse_color_mode(std::string_view text);
// Whether output is coloured: `json` never; Always / Never as they say; Auto when `stdout_tty`
// and NO_COLOR is unset or empty.
bool use_color(ColorMode mode, bool json, bool stdout_tty);

// SGR codes, for paint().
enum class Paint { Yellow, Green, Red, Cyan, BoldGreen, BoldRed, BoldYellow, BoldCyan };

// `text` wrapped in the escape sequence of `paint` and a reset, when `on`; else `text`.
std::string paint(bool on, Paint paint, std::string_view text);

}  // namespace hangar::cli
