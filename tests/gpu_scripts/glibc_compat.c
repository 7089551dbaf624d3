/* Linked only into the binaries scripts/gpu_build.sh builds to travel to a GPU machine.
 *
 * Debian 12's static libstdc++ (GCC 12) refers to arc4random, which glibc added in 2.36; with it the
 * binaries would not start on a glibc 2.34/2.35 system (RHEL 9, Ubuntu 22.04). Defining the three
 * functions here, on getrandom(2) (glibc 2.25), lets the static link resolve them inside the binary,
 * so the newest glibc symbol version needed is 2.34 (gpu_build.sh checks it). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

void arc4random_buf(void* buf, size_t n) {
  unsigned char* p = (unsigned char*)buf;
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return; /* never happens for small requests on Linux >= 3.17 */
    }
    p += got;
    n -= (size_t)got;
  }
}

uint32_t arc4random(void) {
  uint32_t v = 0;
  arc4random_buf(&v, sizeof v);
  return v;
}

uint32_t arc4random_uniform(uint32_t upper) {
  if (upper < 2) return 0;
  uint32_t min = -upper % upper; /* 2^32 mod upper: reject below it for uniformity */
  for (;;) {
    uint32_t r = arc4random();
    if (r >= min) return r % upper;
  }
}
