// Resuming a run: a requeued job (SLURM --requeue, Kubernetes, spot) continues the same run, as
// wandb.init(id=..., resume="allow"|"must"|"never"|"auto") does.
//
// Which run: the run id (run_options::id, WANDB_RUN_ID, --wandb_id). `auto` finds it itself: the
// id of the job (SLURM_JOB_ID as "slurm-<id>", else TORCHELASTIC_RUN_ID as "elastic-<id>"), else
// the id stored in <runs dir>/.vitals-resume.json by the last auto run there that did not finish
// with exit code 0 (W&B keys `auto` on its directory the same way: wandb/wandb-resume.json).
//
// Exclusive run directories. A new run still gets its directory from an exclusive mkdir(2)
// (run_dir.hpp). Resuming reuses a directory that exists, so exclusivity comes from a lock
// instead: every run holds flock(LOCK_EX) on <run dir>/.vitals-lock for its lifetime. The kernel
// drops it when the process dies, even by SIGKILL, so a requeued job can always take over a dead
// run, and two live processes can never write one run: the second gets a clear error. A directory
// without metadata.json (its creator has not started it yet) is refused as well.
//
// What continues (see docs/runs_and_sinks.md): the directory; the step, one past the last step
// metrics.jsonl (else metrics.csv) holds; _runtime; config.json and summary.json merged key by key
// (the new values win, as W&B merges a resumed run's config and summary); metadata.json's
// "starts", one entry per start with its exit.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vitals/config/error.hpp"
#include "vitals/run/metadata.hpp"
#include "vitals/run/resume_mode.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {

/// A run id made of s: characters outside [A-Za-z0-9_-] become '-', at most 64 bytes.
VITALS_INLINE std::string run_id_from(std::string_view prefix, std::string_view s);

VITALS_INLINE std::string read_text_file(const std::filesystem::path& p);

/// The top-level members of a JSON object as (key, minified value), or nullopt when `json` is not
/// one (a missing or torn file).
VITALS_INLINE std::optional<std::vector<std::pair<std::string, std::string>>> json_object_members(const std::string& json);

/// {old members the new object lacks, then the new members}: W&B's merge of a resumed run's
/// config and summary (a key set again takes the new value). `fresh` must be a JSON object.
VITALS_INLINE std::string merge_json_objects(const std::string& old_json, const std::string& fresh);

/// The last whole line of a file (without its '\n'), or "" when there is none. Reads the file's
/// last 4 MiB (all of it only when that holds no whole line): metrics.jsonl may be gigabytes.
VITALS_INLINE std::string last_whole_line(const std::filesystem::path& p);

}  // namespace detail

/// A run directory this process holds: created, or taken over to resume. Holds the directory's
/// lock until destroyed. Move-only.
class run_dir_claim {
 public:
  run_dir_claim() = default;
  run_dir_claim(const run_dir_claim&) = delete;
  run_dir_claim& operator=(const run_dir_claim&) = delete;
  run_dir_claim(run_dir_claim&& o) noexcept { *this = std::move(o); }
  run_dir_claim& operator=(run_dir_claim&& o) noexcept {
    if (this != &o) {
      release();
      path = std::move(o.path);
      id = std::move(o.id);
      resumed = o.resumed;
      previous_name = std::move(o.previous_name);
      last_step = o.last_step;
      last_runtime = o.last_runtime;
      previous_config = std::move(o.previous_config);
      previous_summary = std::move(o.previous_summary);
      previous_starts = std::move(o.previous_starts);
      auto_file = std::move(o.auto_file);
      lock_fd_ = std::exchange(o.lock_fd_, -1);
    }
    return *this;
  }
  ~run_dir_claim() { release(); }

  std::filesystem::path path;  // absolute
  std::string id;
  bool resumed = false;
  // Read from the directory when resumed:
  std::string previous_name;         // metadata.json "name"
  std::int64_t last_step = -1;       // the last committed step its files hold (-1: none)
  double last_runtime = 0;           // _runtime of that step
  std::string previous_config;       // config.json
  std::string previous_summary;      // summary.json (absent after a kill -9: "")
  std::vector<std::string> previous_starts;  // metadata.json "starts", one JSON object each
  std::filesystem::path auto_file;   // <runs dir>/.vitals-resume.json in auto mode, else empty

  /// metadata.json's "starts": the earlier starts, then this one, made from `meta`'s fields.
  VITALS_INLINE std::string starts_json(const run_metadata& meta) const;

  /// At finish: an auto run that ended well forgets its stored id (the next start is a new run).
  VITALS_INLINE void finished(int exit_code) const noexcept;

  /// Takes the directory's lock; throws vitals::runs_dir_error when another process holds it.
  VITALS_INLINE void lock();

 private:
  void release() noexcept {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    lock_fd_ = -1;
  }
  int lock_fd_ = -1;
};

namespace detail {

/// Directories in `root` that belong to run `id` (named <name>_<id>).
VITALS_INLINE std::vector<std::filesystem::path> find_run_dirs(const std::filesystem::path& root, const std::string& id);

/// Reads what a resumed run continues from (see run_dir_claim).
VITALS_INLINE void read_previous_run(run_dir_claim& c);

}  // namespace detail

/// The run id `auto` resumes in `root` (see the top of this file), or "" for a new run.
VITALS_INLINE std::string auto_resume_id(const std::filesystem::path& root);

/// Creates or takes over root/{name}_{id} as `mode` says, and locks it. Errors are usage errors
/// (exit code 2): vitals::invalid_option for must without a previous run and never with one,
/// vitals::runs_dir_error for a directory that is in use or unusable.
VITALS_INLINE run_dir_claim claim_run_dir(const std::filesystem::path& root, const std::string& name, std::string id,
                                   resume_mode mode);

}  // namespace vitals

#if VITALS_HEADER_BODIES
#include "vitals/run/resume.ipp"
#endif
