// Console capture as W&B's `console` setting: what the program writes to stdout and stderr (printf,
// std::cout, child processes, CUDA's own messages - anything on file descriptors 1 and 2) is still
// shown where it went before, and is also kept as timestamped chunks for the W&B sink's
// `output_raw` records and files/output.log.
//
//   off   nothing is captured
//   wrap  fds 1 and 2 go through pipes
//   auto  as wrap, but a descriptor that is a terminal is replaced by a pseudo-terminal with the
//         same settings and window size, so the program still sees a terminal (isatty, progress
//         bars, colours)
//
// Crash safety: the pipes are read by a small forked process (the "tee", named vitals-console), not
// by a thread of this one. The tee writes every chunk to the original descriptor first and then
// forwards it over a second pipe to a reader thread here, which keeps it. When the program dies
// (SIGKILL, SIGSEGV, abort), the bytes it had written are still in the pipe; the tee echoes them,
// sees end of file once every write end is closed, and exits. So what the program wrote always
// reaches the terminal/file; only chunks the thread had not kept yet are missing from output_raw.
// The tee lives exactly as long as its input: a child process of the program that inherited fds 1
// and 2 keeps it (and the echo of that child's output) alive until it closes them. It is double
// forked (not this process's child: no zombie, nothing for wait() to collect), ignores the terminal's
// and kill's polite signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT: a Ctrl-C must not kill it before the
// program has printed its last words) and calls only async-signal-safe functions (it is forked from
// a multithreaded process). If the tee cannot start or dies, the thread reads the pipes itself.
//
// A program that execs another keeps the tee (the new program's output is still echoed; nothing is
// kept). A child forked without exec also holds the forward pipe: after the program dies the tee
// stops forwarding when that pipe takes nothing for 10 s, and goes on echoing.
//
// stop() restores the descriptors, asks the tee (a byte on a socketpair) for what is already in the
// pipes and waits for it (bounded: not for a child process that inherited the pipe, whose later
// output the tee keeps echoing; at most 10 s for a tee blocked on a stuck terminal). One capture per
// process; a second one stays off.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

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
    int write_end[2] = {-1, -1};
    for (int i = 0; i < 2; ++i) write_end[i] = prepare(i, mode == console_mode::automatic && ::isatty(i + 1));
    if (streams_[0].read_fd < 0 && streams_[1].read_fd < 0) {
      ::close(wake_[0]), ::close(wake_[1]);
      return;
    }
    start_tee();  // before fds 1 and 2 change: the tee closes every descriptor it does not need
    for (int i = 0; i < 2; ++i) {
      stream& s = streams_[i];
      if (s.read_fd < 0) continue;
      if (::dup2(write_end[i], s.fd) < 0) {  // not captured after all: the tee sees EOF here
        ::close(write_end[i]);
        s.slave_fd = -1;
        ::close(s.read_fd), s.read_fd = -1;
        if (s.fwd_fd >= 0) ::close(s.fwd_fd), s.fwd_fd = -1;
        ::close(s.saved_fd), s.saved_fd = -1;
        continue;
      }
      if (s.slave_fd < 0) ::close(write_end[i]);  // a pty's last slave closing makes the master fail: keep one
    }
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
    stopping_ = true;  // from here the forward pipes' end is the tee's answer, not its death
    for (auto& s : streams_) {
      if (s.read_fd < 0) continue;
      if (s.saved_fd >= 0) ::dup2(s.saved_fd, s.fd);  // the write end held by fd 1/2 closes here
      if (s.slave_fd >= 0) ::close(s.slave_fd), s.slave_fd = -1;
    }
    // The tee: echo and forward what is in the pipes now, then close the forward pipes. A byte, not
    // only the closing: a child forked without exec holds a copy of this end. MSG_NOSIGNAL: the tee
    // may already have exited (end of its input).
    if (tee_ctrl_ >= 0) {
      [[maybe_unused]] auto sent = ::send(tee_ctrl_, "x", 1, MSG_NOSIGNAL);
      ::close(tee_ctrl_), tee_ctrl_ = -1;
    }
    const char c = 'x';
    [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
    thread_.join();
    for (auto& s : streams_) {
      if (s.read_fd >= 0) ::close(s.read_fd), s.read_fd = -1;
      if (s.fwd_fd >= 0) ::close(s.fwd_fd), s.fwd_fd = -1;  // a tee still echoing a child's output: forward off
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
    int read_fd = -1;   // pipe read end or pty master (the tee reads it; kept open here so that a
                        // write never fails with EPIPE, and so the thread can read it if the tee dies)
    int slave_fd = -1;  // pty slave (kept open until stop)
    int fwd_fd = -1;    // read end of the tee's forward pipe; -1: the thread reads read_fd itself
  };

  static std::atomic<bool>& active_instance() {
    static std::atomic<bool> a{false};
    return a;
  }

  /// Opens stream i's pipe or pty and saves the descriptor; returns the write end (or -1).
  int prepare(int i, bool pty) {
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
      pty = false;
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) return -1;
      rd = p[0], wr = p[1];
    }
    s.saved_fd = ::fcntl(s.fd, F_DUPFD_CLOEXEC, 3);
    if (s.saved_fd < 0) {
      ::close(rd), ::close(wr);
      return -1;
    }
    s.read_fd = rd;
    if (pty) s.slave_fd = wr;
    return wr;
  }

  // glibc 2.34's _Fork runs no pthread_atfork handlers (only async-signal-safe code follows it).
  static pid_t raw_fork() {
#if defined(__GLIBC__) && defined(_GNU_SOURCE) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return ::_Fork();
#else
    return ::fork();
#endif
  }

  /// Forks the tee (twice: it is reparented to init or the subreaper, so never our zombie). On any
  /// failure the streams stay without fwd_fd and the thread reads the pipes itself.
  void start_tee() {
    int fwd[2][2] = {{-1, -1}, {-1, -1}}, ctrl[2] = {-1, -1};
    bool ok = ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctrl) == 0;
    for (int i = 0; i < 2 && ok; ++i)  // the tee's end non-blocking: see tee_main
      if (streams_[i].read_fd >= 0) ok = ::pipe2(fwd[i], O_CLOEXEC) == 0 && ::fcntl(fwd[i][1], F_SETFL, O_NONBLOCK) == 0;
    const pid_t pid = ok ? raw_fork() : -1;
    if (pid == 0) {
      if (raw_fork() == 0) {
        const int in[2] = {streams_[0].read_fd, streams_[1].read_fd};
        const int out[2] = {streams_[0].saved_fd, streams_[1].saved_fd};
        const int to[2] = {fwd[0][1], fwd[1][1]};
        tee_main(in, out, to, ctrl[0]);
      }
      ::_exit(0);
    }
    if (pid > 0) {
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (fwd[i][1] >= 0) ::close(fwd[i][1]);
      if (pid > 0) streams_[i].fwd_fd = fwd[i][0];
      else if (fwd[i][0] >= 0) ::close(fwd[i][0]);
    }
    if (ctrl[0] >= 0) ::close(ctrl[0]);
    if (pid > 0) tee_ctrl_ = ctrl[1];
    else if (ctrl[1] >= 0) ::close(ctrl[1]);
  }

  /// write(2) all of it; false when the descriptor fails (reader gone, terminal hung up) or, on
  /// a non-blocking one, takes no byte for `stall_ms` (-1: wait). Async-signal-safe (the tee uses it).
  static bool write_all(int fd, const char* p, std::size_t n, int stall_ms = -1) noexcept {
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {  // a non-blocking original stdout, or the forward pipe
        pollfd q{fd, POLLOUT, 0};
        if (::poll(&q, 1, stall_ms) == 0) return false;
        continue;
      }
      if (w <= 0) return false;
      p += w, n -= static_cast<std::size_t>(w);
    }
    return true;
  }

  /// Closes every descriptor but the `keep` ones (unsorted, -1 ignored). Async-signal-safe.
  static void close_others(int* keep, int n) noexcept {
    for (int i = 1; i < n; ++i)  // insertion sort: no library in the tee
      for (int j = i; j > 0 && keep[j - 1] > keep[j]; --j) {
        const int t = keep[j];
        keep[j] = keep[j - 1], keep[j - 1] = t;
      }
    rlimit lim{};
    const long top = ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < (1u << 20)
                         ? static_cast<long>(lim.rlim_cur) : (1L << 16);
    long lo = 0;
    for (int i = 0; i <= n; ++i) {
      const long hi = i < n ? keep[i] - 1L : top - 1;  // close [lo, hi]
      if (i < n && keep[i] < 0) continue;
      if (hi >= lo) {
#ifdef SYS_close_range
        if (::syscall(SYS_close_range, static_cast<unsigned>(lo), i < n ? static_cast<unsigned>(hi) : ~0u, 0u) != 0)
#endif
          for (long fd = lo; fd <= hi; ++fd) ::close(static_cast<int>(fd));
      }
      if (i < n) lo = keep[i] + 1L;
    }
  }

  /// The tee process: in[i] (pipe read end / pty master of stream i, or -1) -> out[i] (the original
  /// descriptor), then -> to[i] (forward pipe to the reader thread). ctrl closed (by stop() or
  /// the program's death): take what is in the pipes now, forward it, close the forward pipes; echo until EOF.
  /// Only async-signal-safe calls: this process was forked from a multithreaded one.
  [[noreturn]] static void tee_main(const int in_[2], const int out[2], const int to_[2], int ctrl) noexcept {
    int in[2] = {in_[0], in_[1]}, to[2] = {to_[0], to_[1]};
    int keep[7] = {in[0], in[1], out[0], out[1], to[0], to[1], ctrl};
    close_others(keep, 7);
    struct sigaction dfl {}, ign {};
    dfl.sa_handler = SIG_DFL;
    ign.sa_handler = SIG_IGN;
    for (int sig = 1; sig < NSIG; ++sig)  // none of the program's handlers runs here
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGXFSZ})
      ::sigaction(sig, &ign, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
#ifdef __linux__
    ::prctl(PR_SET_NAME, "vitals-console", 0, 0, 0);
#endif
    bool echo[2] = {true, true};
    char buf[16384];
    // Reads one chunk of stream i and passes it on; false at its end (EOF, or EIO from a pty).
    auto pass = [&](int i) noexcept {
      const ssize_t n = ::read(in[i], buf, sizeof buf);
      if (n < 0 && errno == EINTR) return true;
      if (n <= 0) return false;
      if (echo[i] && !write_all(out[i], buf, static_cast<std::size_t>(n))) echo[i] = false;
      // Forward: given up when the reader is gone (EPIPE) or takes nothing for 10 s (a child forked
      // without exec holds the read end after the program died): the echo must not block on it.
      if (to[i] >= 0 && !write_all(to[i], buf, static_cast<std::size_t>(n), 10000)) ::close(to[i]), to[i] = -1;
      return true;
    };
    while (in[0] >= 0 || in[1] >= 0) {
      pollfd p[3] = {{in[0], POLLIN, 0}, {in[1], POLLIN, 0}, {ctrl, POLLIN, 0}};
      if (::poll(p, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i)
        if (in[i] >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) && !pass(i)) ::close(in[i]), in[i] = -1;
      if (ctrl >= 0 && p[2].revents) {  // stop() or the program is gone
        for (int i = 0; i < 2; ++i)
          for (;;) {
            if (in[i] < 0) break;
            pollfd q{in[i], POLLIN, 0};
            if (::poll(&q, 1, 0) <= 0 || !q.revents) break;  // empty now (a writer may still be alive)
            if (!pass(i)) ::close(in[i]), in[i] = -1;
          }
        for (int i = 0; i < 2; ++i)
          if (to[i] >= 0) ::close(to[i]), to[i] = -1;
        ::close(ctrl), ctrl = -1;
      }
    }
    ::_exit(0);
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

  /// Reads one chunk of stream i (from the tee, or the pipe itself); false at end (EOF, EIO from a
  /// pty, EAGAIN when draining).
  bool pump(int i) {
    stream& s = streams_[i];
    const bool direct = s.fwd_fd < 0;
    char buf[65536];
    const ssize_t n = ::read(direct ? s.read_fd : s.fwd_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    if (direct) write_all(s.saved_fd, buf, static_cast<std::size_t>(n));  // else the tee has echoed it
    keep(i + 1, buf, static_cast<std::size_t>(n));
    return true;
  }

  void drain_direct(int i) {
    ::fcntl(streams_[i].read_fd, F_SETFL, ::fcntl(streams_[i].read_fd, F_GETFL) | O_NONBLOCK);
    while (pump(i)) {
    }
  }

  void loop() {
    bool open[2] = {streams_[0].read_fd >= 0, streams_[1].read_fd >= 0};
    bool woken = false;
    std::chrono::steady_clock::time_point deadline{};
    for (;;) {
      int wait_ms = -1;
      if (woken) {  // bounded: a tee blocked on a stuck terminal does not hold stop() forever
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) break;
        wait_ms = static_cast<int>(left);
      }
      pollfd p[3] = {{woken ? -1 : wake_[0], POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
      for (int i = 0; i < 2; ++i)
        if (open[i]) p[i + 1].fd = streams_[i].fwd_fd >= 0 ? streams_[i].fwd_fd : streams_[i].read_fd;
      const int r = ::poll(p, 3, wait_ms);
      if (r < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (!open[i] || !(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) || pump(i)) continue;
        if (streams_[i].fwd_fd >= 0 && !stopping_) {  // the tee died: read the pipe here, as without it
          ::close(streams_[i].fwd_fd), streams_[i].fwd_fd = -1;
          continue;
        }
        open[i] = false;
      }
      if (!woken && (p[0].revents & POLLIN)) {
        woken = true;
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        // streams read here: take what is already written, without waiting for writers still alive
        for (int i = 0; i < 2; ++i)
          if (open[i] && streams_[i].fwd_fd < 0) drain_direct(i), open[i] = false;
      }
      if (!open[0] && !open[1]) break;
    }
  }

  std::size_t max_kept_;
  bool owner_ = false;
  int wake_[2] = {-1, -1};
  int tee_ctrl_ = -1;  // write end: its closing (stop(), or this process dying) tells the tee to stop forwarding
  std::atomic<bool> stopping_{false};
  stream streams_[2];
  mutable std::mutex mu_;
  std::deque<console_chunk> kept_;
  std::size_t kept_bytes_ = 0, dropped_ = 0;
  std::thread thread_;
};

}  // namespace vitals
