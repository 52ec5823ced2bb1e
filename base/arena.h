/* arena.h: bump allocator for per-request memory.
 *
 *   struct md_arena *a = md_arena_new(1 << 20, limit_bytes, &st);
 *   float *x = md_arena_alloc(a, n * sizeof *x, &st);   // 64-byte aligned
 *   ...
 *   md_arena_reset(a);   // everything allocated is gone; chunks are kept
 *   md_arena_free(a);
 *
 * Single-owner: one request (one thread) uses an arena at a time. The limit
 * caps the bytes one request may take (RESOURCE_EXHAUSTED beyond it), so a
 * huge request is refused instead of taking the daemon down.
 */
#ifndef MD_BASE_ARENA_H
#define MD_BASE_ARENA_H

#include <stddef.h>

#include "base/status.h"

struct md_arena;

/* chunk_size: default chunk bytes; limit: 0 = unlimited. NULL on OOM. */
struct md_arena *md_arena_new(size_t chunk_size, size_t limit, struct md_status *st);
/* Zeroed memory is NOT guaranteed. NULL + status on limit/OOM. size 0 gives a
 * valid unique pointer. */
void *md_arena_alloc(struct md_arena *a, size_t size, struct md_status *st);
/* Releases every allocation; keeps the first chunk for reuse, frees others. */
void md_arena_reset(struct md_arena *a);
void md_arena_free(struct md_arena *a); /* NULL-safe */
size_t md_arena_used(const struct md_arena *a);      /* bytes handed out since reset */
size_t md_arena_peak(const struct md_arena *a);      /* max of used over the arena's life */
void md_arena_set_limit(struct md_arena *a, size_t limit);

#endif
