/* Shared by the ABI source files; not installed, not exported. */
#ifndef H2_ABI_INTERNAL_H
#define H2_ABI_INTERNAL_H

#include <h2/h2.h>

#include "h2_mem.h"

/* A public allocator as a core h2_mem; NULL gives the C library's.
 * H2_ERR_INVALID_ARGUMENT if a function pointer is missing. */
int h2_abi_mem_from_allocator(h2_mem *out, const h2_allocator *alloc);

#endif
