// Console capture as W&B's `console` setting: what the program writes to stdout and stderr (printf,
// std::cout, child processes, CUDA's own messages - anything on file descriptors 1 and 2) is still
// shown where it went before, and is also kept as timestamped chunks for the W&B sink's
// `output_raw` records and files/output.log.
//
//   off   nothing is captured
//   wrap  fds 1 and 2 go through pipes to a reader thread that copies every chunk to the original
//         descriptors and keeps it
//   auto  as wrap, but a descriptor that is a terminal is replaced by a pseudo-terminal with the
//         same settings and window size, so the program still sees a terminal (isatty, progress
//         bars, colours)
//
// stop() restores the descriptors and takes what is still in the pipes (bounded: it does not wait
// for a child process that inherited the pipe). One capture per process; a second one stays off.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace vitals::inline VITALS_ABI {
enum class console_mode { off, wrap, automatic };

/// "auto" | "off" | "wrap" (W&B's names; "redirect" is taken as auto) -> mode; throws on others.
inline console_mode parse_console_mode(std::string_view s) {
  if (s == "auto" || s == "redirect") return console_mode::automatic;
  if (s == "off") return console_mode::off;
  if (s == "wrap" || s == "wrap_raw" || s == "wrap_emu") return console_mode::wrap;
  throw std::invalid_argument("vitals: console mode '" + std::string(s) + "' is not one of auto, off, wrap (WANDB_CONSOLE)");
}

struct console_chunk {
  int stream = 1;        // 1 stdout, 2 stderr
  double timestamp = 0;  // seconds since the Unix epoch
  std::string text;      // bytes as written (several lines, or part of one)
};

class console_capture {
 public:
  explicit console_capture(console_mode mode, std::size_t max_kept_bytes = 8u << 20) : max_kept_(max_kept_bytes) {
    if (mode == console_mode::off) return;
    if (active_instance().exchange(true)) return;  // another capture owns fds 1 and 2
    owner_ = true;
    if (::pipe2(wake_, O_CLOEXEC) != 0) return;
    std::fflush(stdout);
    std::fflush(stderr);
    for (int i = 0; i < 2; ++i) redirect(i, mode == console_mode::automatic && ::isatty(i + 1));
    if (streams_[0].read_fd < 0 && streams_[1].read_fd < 0) return;
    thread_ = std::thread([this] { loop(); });
  }
  console_capture(const console_capture&) = delete;
  console_capture& operator=(const console_capture&) = delete;
  ~console_capture() {
    stop();
    if (owner_) active_instance() = false;
  }

  bool active() const { return thread_.joinable(); }

  /// Restores stdout/stderr and takes what is left in the pipes. Idempotent.
  void stop() {
    if (!thread_.joinable()) return;
    std::fflush(stdout);
    std::fflush(stderr);
    for (auto& s : streams_) {
      if (s.saved_fd >= 0) ::dup2(s.saved_fd, s.fd);  // the write end held by fd 1/2 closes here
      if (s.slave_fd >= 0) ::close(s.slave_fd), s.slave_fd = -1;
    }
    const char c = 'x';
    [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
    thread_.join();
    for (auto& s : streams_) {
      if (s.read_fd >= 0) ::close(s.read_fd), s.read_fd = -1;
      if (s.saved_fd >= 0) ::close(s.saved_fd), s.saved_fd = -1;
    }
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  /// Moves the chunks captured since the last call into `out` (appended).
  void take(std::vector<console_chunk>& out) {
    std::lock_guard lock(mu_);
    for (auto& c : kept_) out.push_back(std::move(c));
    kept_.clear();
    kept_bytes_ = 0;
  }

  /// Chunks dropped because nobody took them (more than max_kept_bytes waiting).
  std::size_t dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
  }

 private:
  struct stream {
    int fd = -1;        // 1 or 2
    int saved_fd = -1;  // where the output went before
    int read_fd = -1;   // pipe read end or pty master
    int slave_fd = -1;  // pty slave (kept open until stop)
  };

  static std::atomic<bool>& active_instance() {
    static std::atomic<bool> a{false};
    return a;
  }

  void redirect(int i, bool pty) {
    stream& s = streams_[i];
    s.fd = i + 1;
    int rd = -1, wr = -1;
    if (pty) {
      rd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
      const char* name = rd >= 0 && ::grantpt(rd) == 0 && ::unlockpt(rd) == 0 ? ::ptsname(rd) : nullptr;
      wr = name ? ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
      if (wr >= 0) {
        termios t{};
        if (::tcgetattr(s.fd, &t) == 0) {
          t.c_oflag &= static_cast<tcflag_t>(~ONLCR);  // bytes through as written: the real terminal adds CR
          ::tcsetattr(wr, TCSANOW, &t);
        }
        winsize w{};
        if (::ioctl(s.fd, TIOCGWINSZ, &w) == 0) ::ioctl(wr, TIOCSWINSZ, &w);
      } else if (rd >= 0) {
        ::close(rd);
        rd = -1;
      }
    }
    if (rd < 0) {  // no terminal, or no pty available: a pipe
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) return;
      rd = p[0], wr = p[1];
    }
    s.saved_fd = ::fcntl(s.fd, F_DUPFD_CLOEXEC, 3);
    if (s.saved_fd < 0 || ::dup2(wr, s.fd) < 0) {
      ::close(rd), ::close(wr);
      if (s.saved_fd >= 0) ::close(s.saved_fd), s.saved_fd = -1;
      return;
    }
    s.read_fd = rd;
    if (pty) s.slave_fd = wr;  // a pty's last slave closing makes the master read fail: keep one
    else ::close(wr);
  }

  void keep(int stream, const char* data, std::size_t n) {
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::lock_guard lock(mu_);
    kept_.push_back({stream, now, std::string(data, n)});
    kept_bytes_ += n;
    while (kept_bytes_ > max_kept_ && kept_.size() > 1) {
      kept_bytes_ -= kept_.front().text.size();
      kept_.pop_front();
      ++dropped_;
    }
  }

  static void write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return;  // the terminal went away: keep capturing, stop echoing
      p += w, n -= static_cast<std::size_t>(w);
    }
  }

  /// Reads one chunk of stream i; false at end (EOF, EIO from a pty, EAGAIN when draining).
  bool pump(int i) {
    char buf[65536];
    const ssize_t n = ::read(streams_[i].read_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    write_all(streams_[i].saved_fd, buf, static_cast<std::size_t>(n));
    keep(i + 1, buf, static_cast<std::size_t>(n));
    return true;
  }

  void loop() {
    bool open[2] = {streams_[0].read_fd >= 0, streams_[1].read_fd >= 0};
    for (;;) {
      pollfd p[3] = {{wake_[0], POLLIN, 0}, {open[0] ? streams_[0].read_fd : -1, POLLIN, 0}, {open[1] ? streams_[1].read_fd : -1, POLLIN, 0}};
      if (::poll(p, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i)
        if (open[i] && (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(i)) open[i] = false;
      if (p[0].revents & POLLIN) break;
      if (!open[0] && !open[1]) break;
    }
    // stop(): take what is already written, without waiting for writers that are still alive
    for (int i = 0; i < 2; ++i) {
      if (streams_[i].read_fd < 0) continue;
      ::fcntl(streams_[i].read_fd, F_SETFL, ::fcntl(streams_[i].read_fd, F_GETFL) | O_NONBLOCK);
      while (pump(i)) {
      }
    }
  }

  std::size_t max_kept_;
  bool owner_ = false;
  int wake_[2] = {-1, -1};
  stream streams_[2];
  mutable std::mutex mu_;
  std::deque<console_chunk> kept_;
  std::size_t kept_bytes_ = 0, dropped_ = 0;
  std::thread thread_;
};

}  // namespace vitals
