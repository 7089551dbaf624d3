// Whole records on a full disk, in-process: RLIMIT_FSIZE is lowered around each case (the soft
// limit only, so it can be raised back), SIGXFSZ is left to vitals to ignore, and each file is
// read back with vitals' own strict readers. test_disk_full.py does the same end to end with the
// Python oracles and a tmpfs.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include "../sinks/test_support.hpp"
#include "vitals/sinks/csv.hpp"
#include "vitals/format/file.hpp"
#include "vitals/sinks/guarded_sink.hpp"
#include "vitals/sinks/jsonl.hpp"
#include "vitals/sinks/tensorboard.hpp"
#include "vitals/format/leveldb_log.hpp"
#include "vitals/format/tfrecord.hpp"

using vitals_test::read_file;
using vitals_test::temp_dir;

namespace {

/// Lowers the soft RLIMIT_FSIZE for one scope.
struct file_size_limit {
  rlimit old{};
  explicit file_size_limit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old);
    rlimit l = old;
    l.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &l) == 0);
  }
  ~file_size_limit() { ::setrlimit(RLIMIT_FSIZE, &old); }
};


int error_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::system_error& e) {
    return e.code().value();
  }
  return 0;
}

std::string payload(std::size_t n, int seed) {
  std::string s(n, '\0');
  for (std::size_t k = 0; k < n; ++k) s[k] = static_cast<char>((k * 7 + static_cast<std::size_t>(seed) * 13) % 251);
  return s;
}

}  // namespace

TEST_CASE("vitals ignores SIGXFSZ when it is at its default action, so a size limit is EFBIG") {
  temp_dir tmp("sigxfsz");
  vitals::detail::append_file f;
  f.open(tmp.path / "x");
  struct sigaction sa {};
  ::sigaction(SIGXFSZ, nullptr, &sa);
  CHECK(sa.sa_handler == SIG_IGN);
  file_size_limit lim(1000);
  std::string data(5000, 'x');
  std::size_t written = 0;
  const int fd = ::open((tmp.path / "raw").c_str(), O_WRONLY | O_CREAT, 0644);
  CHECK(vitals::detail::write_fully(fd, data, written) == EFBIG);  // the process is still alive
  CHECK(written == 1000);
  ::close(fd);
}

TEST_CASE("append_file cuts a short write back to the last whole record and stops") {
  temp_dir tmp("append");
  const auto path = tmp.path / "lines";
  vitals::detail::append_file f;
  f.open(path);
  f.write("first whole line\n");  // 17 bytes
  std::string batch;
  std::vector<std::size_t> ends;
  for (int i = 0; i < 100; ++i) {
    batch += "line " + std::to_string(i) + " of the batch\n";
    ends.push_back(batch.size());
  }
  {
    file_size_limit lim(500);
    int err = error_code_of([&] { f.write_records(batch, ends); });
    CHECK(err == EFBIG);
  }
  const auto text = read_file(path);
  CHECK(text.size() <= 500);
  CHECK(text.size() > 450);  // cut to the last whole line, not to the start of the batch
  CHECK(text.back() == '\n');
  CHECK(text.substr(0, 17) == "first whole line\n");
  CHECK(batch.substr(0, text.size() - 17) == text.substr(17));
  CHECK(f.broken());
  CHECK_FALSE(f.is_open());
  // Later writes throw the same error and add nothing, even without a limit.
  CHECK_THROWS_WITH(f.write("more\n"), Catch::Contains("File too large") && Catch::Contains(path.string()));
  CHECK(read_file(path) == text);
}

TEST_CASE("atomic_write_file keeps the old file and leaves no temporary when the write fails") {
  temp_dir tmp("atomic");
  const auto path = tmp.path / "summary.json";
  vitals::detail::atomic_write_file(path, "{\"old\": 1}\n");
  {
    file_size_limit lim(100);
    CHECK_THROWS_WITH(vitals::detail::atomic_write_file(path, std::string(1000, ' ')),
                      Catch::Contains("summary.json") && Catch::Contains("File too large"));
  }
  CHECK(read_file(path) == "{\"old\": 1}\n");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(tmp.path)) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("the W&B log stays readable to its last whole record at every size limit") {
  // Records of mixed sizes: small ones, ones ending near a block end, ones over three blocks.
  std::vector<std::string> records;
  for (int i = 0; i < 40; ++i) {
    std::size_t n = (i % 7 == 3) ? 70000 : (i % 5 == 1 ? 32768 - 20 : 100 + 37 * i);
    records.push_back(payload(n, i));
  }
  for (std::uintmax_t limit : {3u, 7u, 20u, 4096u, 32765u, 32768u, 32775u, 50000u, 100000u, 200000u, 300000u}) {
    for (std::size_t buffer : {std::size_t{1}, std::size_t{64 * 1024}, std::size_t{1 << 20}}) {
      INFO("limit " << limit << ", buffer " << buffer);
      temp_dir tmp("wandb_log");
      const auto path = tmp.path / "run-x.wandb";
      vitals::detail::leveldb_log_writer w;
      int err = 0;
      {
        file_size_limit lim(limit);
        err = error_code_of([&] {
          w.open(path, buffer);
          for (const auto& r : records) w.append(r);
          w.close();
        });
      }
      if (limit < 7) {
        CHECK(err == EFBIG);
        CHECK_FALSE(std::filesystem::exists(path));  // not even a header: no file at all
        continue;
      }
      const auto bytes = read_file(path);
      CHECK(bytes.size() <= limit);
      const auto log = vitals::detail::read_leveldb_log(bytes);
      CHECK(log.clean);
      CHECK(log.error == "");
      CHECK(log.valid_end == bytes.size());
      REQUIRE(log.records.size() <= records.size());
      for (std::size_t k = 0; k < log.records.size(); ++k) CHECK(log.records[k] == records[k]);
      if (log.records.size() < records.size()) {
        CHECK(err == EFBIG);
        CHECK(w.broken());
        CHECK_THROWS(w.append("more"));
        CHECK(read_file(path) == bytes);  // the destructor writes nothing more
      } else {
        CHECK(err == 0);
      }
    }
  }
}

TEST_CASE("file sinks under a size limit: one error, whole records, then silence") {
  temp_dir tmp("sinks");
  vitals::run_info info;
  info.dir = tmp.path;
  info.id = "abcd1234";
  info.name = "full";
  info.start_time = 1700000000;
  vitals::detail::guarded_sink<vitals::jsonl> j(vitals::jsonl{.flush_bytes = 4096});
  vitals::detail::guarded_sink<vitals::csv> c(vitals::csv{.flush_bytes = 4096});
  vitals::detail::guarded_sink<vitals::tensorboard> tb(vitals::tensorboard{.flush_bytes = 4096});
  j.open(info);
  c.open(info);
  tb.open(info);
  std::string note;
  {
    file_size_limit lim(20000);
    for (int i = 0; i < 2000; ++i) {
      note = i % 3 ? "plain" : "comma, \"quote\"\nnewline";
      vitals::metric m[] = {{"loss", 1.0 / (i + 1)}, {"acc", 0.001 * i}, {"note", std::string_view(note)}};
      vitals::record r{vitals::record_kind::history, i, 1700000000.0 + i, double(i), std::span<const vitals::metric>(m)};
      j.write(r);
      c.write(r);
      tb.write(r);
    }
    j.flush();
    c.flush();
    tb.flush();
    j.close(0);
    c.close(0);
    tb.close(0);
  }
  CHECK(j.failed());
  CHECK(c.failed());
  CHECK(tb.failed());
  CHECK_THAT(j.error(), Catch::Contains("metrics.jsonl") && Catch::Contains("File too large"));

  const auto jl = read_file(tmp.path / "metrics.jsonl");
  CHECK(jl.size() <= 20000);
  CHECK(jl.size() > 19000);
  CHECK(jl.back() == '\n');
  auto lines = vitals_test::lines_of(jl);
  for (std::size_t k = 0; k < lines.size(); ++k) CHECK(lines[k].starts_with("{\"_step\":" + std::to_string(k) + ","));

  const auto csv_text = read_file(tmp.path / "metrics.csv");
  CHECK(csv_text.back() == '\n');
  const auto rows = vitals::detail::csv_parse(csv_text);
  REQUIRE(rows.size() > 1);
  for (std::size_t k = 1; k < rows.size(); ++k) CHECK(rows[k].size() == rows[0].size());

  const auto ev_path = tb.get().path();
  const auto ev = read_file(ev_path);
  CHECK(ev.size() <= 20000);
  vitals::detail::tfrecord_reader reader(ev);
  std::size_t n = 0;
  CHECK_NOTHROW([&] {
    while (reader.next()) ++n;
  }());
  CHECK(n > 100);

  // vitals.log got one whole line per failed sink.
  const auto log = read_file(tmp.path / "vitals.log");
  CHECK(vitals_test::lines_of(log).size() == 3);
}

TEST_CASE("disk_reserve holds real space until released, and gives up quietly when there is none") {
  temp_dir tmp("reserve");
  const auto p = tmp.path / ".vitals-reserve";
  {
    vitals::detail::disk_reserve r;
    CHECK(r.create(p, 64 * 1024));
    CHECK(r.held());
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK(st.st_size == 64 * 1024);
    CHECK(st.st_blocks * 512 >= 64 * 1024);  // allocated, not sparse
    r.release();
    CHECK_FALSE(std::filesystem::exists(p));
    r.release();  // idempotent
  }
  {
    vitals::detail::disk_reserve r;
    CHECK(r.create(p, 4096));
  }
  CHECK_FALSE(std::filesystem::exists(p));  // the destructor releases
  {
    file_size_limit lim(1000);
    vitals::detail::disk_reserve r;
    CHECK_FALSE(r.create(p, 64 * 1024));
    CHECK_FALSE(r.held());
    CHECK_FALSE(std::filesystem::exists(p));
  }
}
