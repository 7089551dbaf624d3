// Small POSIX file helpers shared by the file sinks and the run directory.
//
// Sinks write with write(2) on a raw descriptor, whole lines at a time, so that after kill -9 a
// file holds every complete line up to the last flush (stdio buffers would hold partial lines).
// Files that are replaced as a whole (config.json, summary.json, a widened metrics.csv) are written
// to a temporary name and renamed over the target, so a reader sees the old or the new file.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace vitals::detail {

[[noreturn]] inline void throw_file_error(std::string_view what, const std::filesystem::path& p, int err) {
  throw std::system_error(err, std::generic_category(),
                          std::string(what) + " '" + p.string() + "'");
}

/// Writes all of data to fd, retrying on EINTR and short writes; throws on failure (ENOSPC, EIO).
inline void write_all(int fd, std::string_view data, const std::filesystem::path& p) {
  const char* ptr = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, ptr, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_file_error("cannot write", p, errno);
    }
    ptr += n;
    left -= static_cast<std::size_t>(n);
  }
}

/// An owned append-only descriptor (move-only).
class append_file {
 public:
  append_file() = default;
  append_file(const append_file&) = delete;
  append_file& operator=(const append_file&) = delete;
  append_file(append_file&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  append_file& operator=(append_file&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = o.fd_;
      path_ = std::move(o.path_);
      o.fd_ = -1;
    }
    return *this;
  }
  ~append_file() { close(); }

  void open(const std::filesystem::path& p, bool truncate = false) {
    close();
    path_ = p;
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND);
    fd_ = ::open(p.c_str(), flags, 0644);
    if (fd_ < 0) throw_file_error("cannot open", p, errno);
  }
  void write(std::string_view data) { write_all(fd_, data, path_); }
  bool is_open() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

/// Replaces `target` with `content` atomically: write target.tmp.<pid>, then rename(2).
inline void atomic_write_file(const std::filesystem::path& target, std::string_view content) {
  auto tmp = target;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_file_error("cannot create", tmp, errno);
  try {
    write_all(fd, content, tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw_file_error("cannot rename into", target, err);
  }
}

}  // namespace vitals::detail
