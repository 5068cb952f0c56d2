#include "h2_mem.h"

#include <stdlib.h>

static void *libc_malloc(size_t size, void *ud) {
  (void)ud;
  return malloc(size);
}
static void libc_free(void *ptr, void *ud) {
  (void)ud;
  free(ptr);
}
static void *libc_calloc(size_t n, size_t size, void *ud) {
  (void)ud;
  return calloc(n, size);
}
static void *libc_realloc(void *ptr, size_t size, void *ud) {
  (void)ud;
  return realloc(ptr, size);
}

static const h2_mem libc_mem = {libc_malloc, libc_free, libc_calloc,
                                libc_realloc, NULL};

const h2_mem *h2_mem_default(void) { return &libc_mem; }

void *h2_mem_malloc(const h2_mem *mem, size_t size) {
  if (!mem) mem = &libc_mem;
  return mem->malloc(size ? size : 1, mem->user_data);
}

void *h2_mem_calloc(const h2_mem *mem, size_t nmemb, size_t size) {
  if (!mem) mem = &libc_mem;
  if (nmemb == 0 || size == 0) nmemb = size = 1;
  return mem->calloc(nmemb, size, mem->user_data);
}

void *h2_mem_realloc(const h2_mem *mem, void *ptr, size_t size) {
  if (!mem) mem = &libc_mem;
  return mem->realloc(ptr, size ? size : 1, mem->user_data);
}

void h2_mem_free(const h2_mem *mem, void *ptr) {
  if (!ptr) return;
  if (!mem) mem = &libc_mem;
  mem->free(ptr, mem->user_data);
}
