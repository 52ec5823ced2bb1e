/* replay.c: runs every saved input of a fuzz target's corpus through its
 * LLVMFuzzerTestOneInput without libFuzzer, so `make check` (and the
 * sanitizer build) re-checks every seed and every past crash. The program
 * tests/fuzz/replay_<thing> reads tests/fuzz/corpus/<thing>/ under MD_SRCDIR
 * (or the directories given as arguments). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return 1;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int replay_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: no corpus directory %s\n", dir);
        return 1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        rc |= replay_file(path);
        (*count)++;
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    int count = 0, rc = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            rc |= replay_dir(argv[i], &count);
    } else {
        const char *src = getenv("MD_SRCDIR");
        const char *base = strrchr(argv[0], '/');
        base = base ? base + 1 : argv[0];
        if (!src || strncmp(base, "replay_", 7) != 0) {
            fprintf(stderr, "replay: set MD_SRCDIR or pass corpus directories\n");
            return 1;
        }
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src, base + 7);
        rc = replay_dir(dir, &count);
    }
    printf("replayed %d inputs\n", count);
    return rc;
}
