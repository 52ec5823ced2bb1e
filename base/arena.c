#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>

struct chunk {
    struct chunk *next;
    size_t cap;
    size_t used;
    _Alignas(64) unsigned char data[];
};

struct md_arena {
    struct chunk *head; /* current chunk first */
    size_t chunk_size;
    size_t limit;
    size_t used;
    size_t peak;
};

struct md_arena *md_arena_new(size_t chunk_size, size_t limit, struct md_status *st)
{
    struct md_arena *a = calloc(1, sizeof *a);
    if (!a) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory creating arena");
        return NULL;
    }
    a->chunk_size = chunk_size ? chunk_size : (1u << 16);
    a->limit = limit;
    return a;
}

void *md_arena_alloc(struct md_arena *a, size_t size, struct md_status *st)
{
    size_t need = (size + 63) & ~(size_t)63;
    if (need < size)
        goto toobig;
    if (need == 0)
        need = 64;
    if (a->limit && (need > a->limit || a->used > a->limit - need)) {
        md_status_set(st, MD_RESOURCE_EXHAUSTED,
                      "request needs more than the per-request memory limit of %zu bytes",
                      a->limit);
        return NULL;
    }
    struct chunk *c = a->head;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > a->chunk_size ? need : a->chunk_size;
        if (cap > SIZE_MAX - sizeof(struct chunk))
            goto toobig;
        c = aligned_alloc(64, (sizeof(struct chunk) + cap + 63) & ~(size_t)63);
        if (!c)
            goto toobig;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used += need;
    if (a->used > a->peak)
        a->peak = a->used;
    return p;
toobig:
    md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory allocating %zu bytes", size);
    return NULL;
}

void md_arena_reset(struct md_arena *a)
{
    if (!a || !a->head)
        return;
    /* Keep the largest chunk so steady-state requests do not malloc at all. */
    struct chunk *keep = a->head;
    for (struct chunk *c = a->head; c; c = c->next)
        if (c->cap > keep->cap)
            keep = c;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *n = c->next;
        if (c != keep)
            free(c);
        c = n;
    }
    keep->next = NULL;
    keep->used = 0;
    a->head = keep;
    a->used = 0;
}

void md_arena_free(struct md_arena *a)
{
    if (!a)
        return;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

size_t md_arena_used(const struct md_arena *a) { return a->used; }
size_t md_arena_peak(const struct md_arena *a) { return a->peak; }
void md_arena_set_limit(struct md_arena *a, size_t limit) { a->limit = limit; }
