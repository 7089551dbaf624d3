// vitals-report: writes the offline HTML report of one or more run directories.
//
//   vitals-report runs/spirals_ab12cd34              # -> runs/spirals_ab12cd34/report.html
//   vitals-report runs/exp001_fold*_* -o exp001.html  # several runs compared, one line per run
//
// Reads metrics.jsonl (a torn last line is ignored), alerts.jsonl, config.json, summary.json and
// metadata.json; writes one self-contained HTML file (nothing is loaded from the network).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "vitals/report/html.hpp"
#include "vitals/report/reader.hpp"

namespace {

void usage(std::FILE* to) {
  std::fputs(
      "usage: vitals-report [-o OUT.html] [--buckets N] [--title TEXT] RUN_DIR...\n"
      "\n"
      "Writes the offline HTML report of vitals run directories (runs/{name}_{id}/).\n"
      "One run: RUN_DIR/report.html unless -o is given. Several runs (all folds of an\n"
      "experiment, array jobs): one report comparing them, one line per run, written to -o\n"
      "(default ./report.html).\n"
      "\n"
      "  -o, --output FILE   where to write the report\n"
      "  --buckets N         drawn points per metric, each with its min/max (default 512)\n"
      "  --title TEXT        the report's title\n"
      "  -h, --help          this text\n",
      to);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> dirs;
  std::filesystem::path out;
  vitals::report::report_limits limits;
  vitals::report::html_options opts;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "vitals-report: error: %.*s needs a value\n", static_cast<int>(flag.size()), flag.data());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (a == "-o" || a == "--output") {
      out = value(a);
    } else if (a.starts_with("--output=")) {
      out = std::string(a.substr(9));
    } else if (a == "--title") {
      opts.title = value(a);
    } else if (a == "--buckets") {
      auto v = value(a);
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (!end || *end || n < 2 || n > 100000) {
        std::fprintf(stderr, "vitals-report: error: --buckets must be an integer in [2, 100000], got '%s'\n", v.c_str());
        return 2;
      }
      limits.buckets = static_cast<std::size_t>(n);
    } else if (a.starts_with("-") && a.size() > 1) {
      std::fprintf(stderr, "vitals-report: error: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else {
      dirs.emplace_back(a);
    }
  }
  if (dirs.empty()) {
    usage(stderr);
    return 2;
  }
  try {
    std::vector<vitals::report::run_data> runs;
    runs.reserve(dirs.size());
    for (const auto& d : dirs) {
      runs.push_back(vitals::report::read_run_dir(d, limits));
      for (const auto& w : runs.back().warnings) std::fprintf(stderr, "vitals-report: %s: %s\n", d.string().c_str(), w.c_str());
    }
    if (out.empty()) out = dirs.size() == 1 ? dirs[0] / "report.html" : std::filesystem::path("report.html");
    std::vector<const vitals::report::run_data*> ptrs;
    for (const auto& r : runs) ptrs.push_back(&r);
    vitals::report::write_html(out, ptrs, opts);
    std::printf("%s\n", out.string().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vitals-report: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
