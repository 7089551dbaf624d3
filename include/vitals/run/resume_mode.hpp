// W&B's resume modes (run_options::resume, --wandb_resume, WANDB_RESUME); what they do is in
// vitals/run/resume.hpp. Apart from it so that run_options does not need the resume machinery.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <cstdint>
#include <string>
#include <string_view>

#include "vitals/config/error.hpp"  // invalid_option

namespace vitals::inline VITALS_ABI {
/// W&B's resume modes. none (no resume asked): a new run; a given id that already has a directory
/// is an error. allow: continue the run with this id if it exists, else start it. must: continue
/// it; no such run is an error. never: start it; an existing run is an error. auto: allow, with
/// the id found as described above.
enum class resume_mode : std::uint8_t { none, allow, must, never, automatic };

inline std::string_view to_string(resume_mode m) {
  switch (m) {
    case resume_mode::none: return "none";
    case resume_mode::allow: return "allow";
    case resume_mode::must: return "must";
    case resume_mode::never: return "never";
    case resume_mode::automatic: return "auto";
  }
  return "none";
}

/// "allow", "must", "never", "auto" (and W&B's "true" = auto, "false"/"" = none); throws
/// vitals::invalid_option on anything else.
inline resume_mode parse_resume_mode(std::string_view s) {
  if (s == "allow") return resume_mode::allow;
  if (s == "must") return resume_mode::must;
  if (s == "never") return resume_mode::never;
  if (s == "auto" || s == "true") return resume_mode::automatic;
  if (s.empty() || s == "false" || s == "none") return resume_mode::none;
  throw invalid_option("unknown resume mode '" + std::string(s) + "' (expected allow, must, never or auto)");
}

}  // namespace vitals
