/*
 * standalone_driver.c — runs a libFuzzer target without libFuzzer (the gcc
 * build): every file of the corpus folders given on the command line, then
 * seeded mutations of them until -runs=N inputs or -max_total_time=S seconds.
 * It accepts libFuzzer's flag syntax so one runner script drives both kinds.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_BYTES_MAX 65536
#define INPUTS_MAX      4096

typedef struct {
    uint8_t *data;
    size_t size;
} input;

static input inputs[INPUTS_MAX];
static size_t inputs_count;

static void load_file(const char *path)
{
    if (inputs_count == INPUTS_MAX)
        return;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    uint8_t *buf = malloc(INPUT_BYTES_MAX);
    if (buf == NULL) {
        fclose(f);
        return;
    }
    size_t n = fread(buf, 1, INPUT_BYTES_MAX, f);
    fclose(f);
    inputs[inputs_count].data = buf;
    inputs[inputs_count].size = n;
    inputs_count++;
}

static void load_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        load_file(path);
        return;
    }
    DIR *d = opendir(path);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        load_file(child);
    }
    closedir(d);
}

static uint64_t rng_state;
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
    long runs = 100000;
    double seconds = 10.0;
    rng_state = 1;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-runs=", 6) == 0)
            runs = strtol(argv[i] + 6, NULL, 10);
        else if (strncmp(argv[i], "-max_total_time=", 16) == 0)
            seconds = strtod(argv[i] + 16, NULL);
        else if (strncmp(argv[i], "-seed=", 6) == 0)
            rng_state = strtoull(argv[i] + 6, NULL, 10);
        else if (argv[i][0] != '-')
            load_path(argv[i]);
    }
    fprintf(stderr, "standalone fuzz driver: %zu corpus inputs, seed %" PRIu64 "\n", inputs_count,
            rng_state);
    for (size_t i = 0; i < inputs_count; i++)
        LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].size);

    uint8_t *buf = malloc(INPUT_BYTES_MAX);
    if (buf == NULL)
        return 1;
    clock_t start = clock();
    long done = 0;
    for (; done < runs; done++) {
        if ((done & 1023) == 0 && (double)(clock() - start) / CLOCKS_PER_SEC > seconds)
            break;
        size_t size = 0;
        if (inputs_count > 0) {
            const input *in = &inputs[rng_next() % inputs_count];
            size = in->size;
            memcpy(buf, in->data, size);
        }
        int mutations = 1 + (int)(rng_next() % 4);
        for (int m = 0; m < mutations; m++) {
            uint64_t r = rng_next();
            switch (r % 4) {
            case 0: /* flip a bit */
                if (size > 0)
                    buf[(r >> 8) % size] ^= (uint8_t)(1u << ((r >> 40) % 8));
                break;
            case 1: /* truncate */
                if (size > 0)
                    size = (size_t)((r >> 8) % size);
                break;
            case 2: /* insert a random byte */
                if (size < INPUT_BYTES_MAX) {
                    size_t at = size == 0 ? 0 : (size_t)((r >> 8) % (size + 1));
                    memmove(buf + at + 1, buf + at, size - at);
                    buf[at] = (uint8_t)(r >> 48);
                    size++;
                }
                break;
            default: /* overwrite a byte with an interesting value */
                if (size > 0) {
                    static const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
                    buf[(r >> 8) % size] = interesting[(r >> 40) % sizeof interesting];
                }
                break;
            }
        }
        LLVMFuzzerTestOneInput(buf, size);
    }
    fprintf(stderr, "standalone fuzz driver: %ld mutated inputs, no crash\n", done);
    free(buf);
    for (size_t i = 0; i < inputs_count; i++)
        free(inputs[i].data);
    return 0;
}
