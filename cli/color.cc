// color.h: when to colour and the escape sequences.
#include "color.h"

#include <cstdlib>

#include "parse.h"

namespace hangar::cli {

ColorMode parse_color_mode(std::string_view text) {
  if (text == "auto") return ColorMode::Auto;
  if (text == "always") return ColorMode::Always;
  if (text == "never") return ColorMode::Never;
  throw UsageError("--color takes auto, always or never, not '" + std::string(text) + "'");
}

bool use_color(ColorMode mode, bool json, bool stdout_tty) {
  if (json || mode == ColorMode::Never) return false;
  if (mode == ColorMode::Always) return true;
  const char* no_color = std::getenv("NO_COLOR");
  return stdout_tty && (no_color == nullptr || *no_color == '\0');
}

std::string paint(bool on, Paint p, std::string_view text) {
  if (!on) return std::string(text);
  const char* code = "";
  switch (p) {
    case Paint::Yellow:
      code = "33";
      break;
    case Paint::Green:
      code = "32";
      break;
    case Paint::Red:
      code = "31";
      break;
    case Paint::Cyan:
      code = "36";
      break;
    case Paint::BoldGreen:
      code = "1;32";
      break;
    case Paint::BoldRed:
      code = "1;31";
      break;
    case Paint::BoldYellow:
      code = "1;33";
      break;
    case Paint::BoldCyan:
      code = "1;36";
      break;
  }
  return "\033[" + std::string(code) + "m" + std::string(text) + "\033[m";
}

}  // namespace hangar::cli
