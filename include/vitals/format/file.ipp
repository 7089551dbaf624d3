// Bodies of vitals/format/file.hpp (see vitals/version.hpp: compiled once in the library, or
// inline in every file in header-only use).
#pragma once

#include "vitals/format/file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>

namespace vitals::inline VITALS_ABI::detail {
[[noreturn]] VITALS_INLINE void throw_file_error(std::string_view what, const std::filesystem::path& p, int err) {
  throw std::system_error(err, std::generic_category(), "vitals: " + std::string(what) + " '" + p.string() + "'");
}

VITALS_INLINE void ignore_sigxfsz_once() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction old {};
    if (::sigaction(SIGXFSZ, nullptr, &old) != 0) return;
    if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL) {
      struct sigaction ign {};
      ign.sa_handler = SIG_IGN;
      sigemptyset(&ign.sa_mask);
      ::sigaction(SIGXFSZ, &ign, nullptr);
    }
  });
}

VITALS_INLINE int write_fully(int fd, std::string_view data, std::size_t& written) noexcept {
  written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // no progress and no error: treat as an I/O error rather than spin
    written += static_cast<std::size_t>(n);
  }
  return 0;
}

VITALS_INLINE void write_all(int fd, std::string_view data, const std::filesystem::path& p) {
  std::size_t written = 0;
  if (int err = write_fully(fd, data, written)) throw_file_error("cannot write", p, err);
}

VITALS_INLINE whole_records_cut cut_back_to_whole_records(int fd, off_t start, std::size_t written,
                                                          std::span<const std::size_t> ends) noexcept {
  whole_records_cut cut;
  for (std::size_t e : ends) {
    if (e > written) break;
    cut.keep = e;
    ++cut.kept_records;
  }
  if (written > cut.keep && (start < 0 || ::ftruncate(fd, start + static_cast<off_t>(cut.keep)) != 0))
    cut.cut_errno = start < 0 ? EBADF : errno;
  return cut;
}

VITALS_INLINE void append_file::open(const std::filesystem::path& p, bool truncate) {
  ignore_sigxfsz_once();
  close();
  path_ = p;
  broken_.clear();
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND);
  fd_ = ::open(p.c_str(), flags, 0644);
  if (fd_ < 0) throw_file_error("cannot open", p, errno);
}

VITALS_INLINE void append_file::write_records(std::string_view data, std::span<const std::size_t> ends) {
  if (fd_ < 0) {
    if (!broken_.empty()) throw std::runtime_error(broken_);
    return;
  }
  if (data.empty()) return;
  // Where this batch starts: the end of the file (O_APPEND writes there, and a truncate below
  // goes back to it). One lseek per batch; batches are flushes, not records.
  const off_t start = ::lseek(fd_, 0, SEEK_END);
  std::size_t written = 0;
  const int err = write_fully(fd_, data, written);
  if (err == 0) return;
  const whole_records_cut cut = cut_back_to_whole_records(fd_, start, written, ends);
  std::string msg = "vitals: cannot write '" + path_.string() + "' (";
  if (cut.cut_errno != 0)
    msg += "cutting the torn record off failed too: " + std::generic_category().message(cut.cut_errno) + "; ";
  else
    msg += "the file ends at its last whole record; ";
  msg += std::to_string(cut.kept_records) + " of " + std::to_string(ends.size()) +
         " records of this write kept, the rest and later ones lost)";
  close();
  std::system_error e(err, std::generic_category(), msg);
  broken_ = e.what();
  throw e;
}

VITALS_INLINE std::size_t cut_to_last_newline(const std::filesystem::path& p) {
  const int fd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    throw_file_error("cannot open", p, errno);
  }
  const off_t size = ::lseek(fd, 0, SEEK_END);
  off_t keep = size;
  char b[4096];
  while (keep > 0) {  // back from the end, a block at a time, to the last '\n'
    const off_t from = keep > static_cast<off_t>(sizeof b) ? keep - static_cast<off_t>(sizeof b) : 0;
    const ssize_t n = ::pread(fd, b, static_cast<std::size_t>(keep - from), from);
    if (n <= 0) break;
    ssize_t i = n;
    while (i > 0 && b[i - 1] != '\n') --i;
    if (i > 0) {
      keep = from + i;
      break;
    }
    keep = from;
  }
  if (keep < size && ::ftruncate(fd, keep) != 0) {
    const int err = errno;
    ::close(fd);
    throw_file_error("cannot cut the torn tail of", p, err);
  }
  ::close(fd);
  return static_cast<std::size_t>(size - keep);
}

VITALS_INLINE bool append_whole_noexcept(const std::filesystem::path& p, std::string_view line) noexcept {
  ignore_sigxfsz_once();
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const off_t start = ::lseek(fd, 0, SEEK_END);
  std::size_t written = 0;
  const int err = write_fully(fd, line, written);
  if (err != 0 && written > 0 && start >= 0) (void)!::ftruncate(fd, start);
  ::close(fd);
  return err == 0;
}

VITALS_INLINE bool disk_reserve::create(const std::filesystem::path& p, std::size_t bytes) noexcept {
  release();
  ignore_sigxfsz_once();
  try {
    path_ = p;
  } catch (...) {
    return false;
  }
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  // posix_fallocate really allocates (glibc writes a byte per block where fallocate(2) is
  // unsupported); a sparse ftruncate would reserve nothing.
  const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  ::close(fd);
  if (err != 0) {
    ::unlink(p.c_str());
    return false;
  }
  held_ = true;
  return true;
}

VITALS_INLINE void atomic_write_file(const std::filesystem::path& target, std::string_view content, bool sync) {
  ignore_sigxfsz_once();
  auto tmp = target;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_file_error("cannot create", tmp, errno);
  std::size_t written = 0;
  int err = write_fully(fd, content, written);
  if (err == 0 && sync && ::fdatasync(fd) != 0 && errno != EINVAL) err = errno;  // EINVAL: no sync support
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;  // NFS reports ENOSPC at close
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw_file_error("cannot write", target, err);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    throw_file_error("cannot rename into", target, err);
  }
}

}  // namespace vitals::detail
