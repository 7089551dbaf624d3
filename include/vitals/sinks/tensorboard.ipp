// Bodies of vitals/sinks/tensorboard.hpp (see vitals/version.hpp).
#pragma once

#include "vitals/sinks/tensorboard.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "vitals/detail/simdjson.hpp"
#include "vitals/format/file.hpp"
#include "vitals/format/tfrecord.hpp"
#include "vitals/sinks/tensorboard_event.hpp"

namespace vitals::inline VITALS_ABI {
namespace detail {
struct tensorboard_state {
  append_file file;
  std::string buf;    // framed records not yet written
  std::vector<std::size_t> ends;  // offset in buf just past each framed record
  std::string event;  // scratch: one serialized Event
  tb_histogram histo;
  simdjson::dom::parser parser;
};

VITALS_INLINE tensorboard_state* make_state(tensorboard_state*) { return new tensorboard_state(); }
VITALS_INLINE void destroy_state(tensorboard_state* p) noexcept { delete p; }
}  // namespace detail

VITALS_INLINE void tensorboard::open(const run_info& info) {
  const auto d = dir.is_absolute() ? dir : info.dir / dir;
  std::filesystem::create_directories(d);
  const double t = info.start_time > 0 ? info.start_time : detail::tb_now();
  state->file.open(d / detail::tb_event_file_name(t), /*truncate=*/true);
  detail::append_tfrecord(state->buf, detail::tb_file_version_event(t));
  state->ends.push_back(state->buf.size());
  flush();
}

VITALS_INLINE void tensorboard::write(const record& r) {
  if (r.kind != record_kind::history) return;
  auto& st = *state;
  detail::tb_event_builder ev(st.event, r.timestamp > 0 ? r.timestamp : detail::tb_now(), r.step);
  for (const auto& m : r.metrics) {
    const auto& v = m.value;
    if (v.type == metric_value::kind::string) {
      if (histograms && detail::parse_wandb_histogram(st.parser, v.s, st.histo)) ev.histogram(m.key, st.histo);
      continue;
    }
    ev.scalar(m.key, static_cast<float>(v.as_double()));
  }
  if (ev.finish() == 0) return;  // nothing TensorBoard can show
  detail::append_tfrecord(st.buf, st.event);
  st.ends.push_back(st.buf.size());
  if (st.buf.size() >= flush_bytes) flush();
}

VITALS_INLINE void tensorboard::flush() {
  auto& st = *state;
  if (st.buf.empty() || (!st.file.is_open() && !st.file.broken())) return;
  st.file.write_records_and_clear(st.buf, st.ends);  // emptied whatever happens
}

VITALS_INLINE void tensorboard::close(int /*exit_code*/) {
  flush();
  state->file.close();
}
VITALS_INLINE const std::filesystem::path& tensorboard::path() const { return state->file.path(); }

}  // namespace vitals
