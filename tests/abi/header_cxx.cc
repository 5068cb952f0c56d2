// Compiled as C++ with -pedantic -Werror, linked against the shared library,
// and run: the header works from C++ and the runtime version matches it.
#include <h2/h2.h>

#include <cstdio>
#include <cstring>

extern "C" int h2_header_c99_probe(void);

int main() {
  if (h2_header_c99_probe() != 1) return 1;
  if (std::strcmp(h2_version(), H2_VERSION) != 0) {
    std::fprintf(stderr, "version mismatch: %s vs %s\n", h2_version(), H2_VERSION);
    return 1;
  }
  if (h2_version_num() != static_cast<uint32_t>(H2_VERSION_NUM)) return 1;
  if (std::strcmp(h2_strerror(H2_ERR_NOMEM), "out of memory") != 0) return 1;
  return 0;
}
