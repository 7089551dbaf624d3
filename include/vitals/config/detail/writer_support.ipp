// Bodies of vitals/config/detail/writer_support.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/config/detail/writer_support.hpp"

namespace vitals::inline VITALS_ABI::config::detail {
VITALS_INLINE void require_utf8(std::string_view text, const std::string& path, const node& n) {
  std::size_t bad = first_invalid_utf8(text);
  if (bad != text.size())
    throw config_error(problem{path, "cannot write a string that is not valid UTF-8 (bad byte at offset " +
                                         std::to_string(bad) + ")",
                               n.where});
}

}  // namespace vitals::config::detail
