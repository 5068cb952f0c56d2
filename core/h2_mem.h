/* Allocator indirection. Every core allocation goes through an h2_mem, so an
 * application (or a test that fails allocations on purpose) can supply its
 * own. A NULL h2_mem pointer anywhere means the C library's allocator. */
#ifndef H2_CORE_MEM_H
#define H2_CORE_MEM_H

#include <stddef.h>

typedef struct h2_mem {
  void *(*malloc)(size_t size, void *user_data);
  void (*free)(void *ptr, void *user_data);
  void *(*calloc)(size_t nmemb, size_t size, void *user_data);
  void *(*realloc)(void *ptr, size_t size, void *user_data);
  void *user_data;
} h2_mem;

/* The libc-backed allocator. */
const h2_mem *h2_mem_default(void);

void *h2_mem_malloc(const h2_mem *mem, size_t size);
void *h2_mem_calloc(const h2_mem *mem, size_t nmemb, size_t size);
void *h2_mem_realloc(const h2_mem *mem, void *ptr, size_t size);
void h2_mem_free(const h2_mem *mem, void *ptr);

#endif
