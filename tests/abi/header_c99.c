/* Compiled as strict C99 with -pedantic -Werror: the public header must
 * need nothing but itself. */
#include <h2/h2.h>

int h2_header_c99_probe(void);
int h2_header_c99_probe(void) {
  h2_header h = {0, 0, 0, 0, H2_HEADER_NEVER_INDEX};
  return (int)h.flags + H2_VERSION_MAJOR * 0;
}
