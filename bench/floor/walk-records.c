/*
 * walk-records: the floor under any pcap reader. It visits every record of a classic pcap file and does nothing with
 * it but add up the captured lengths, so its time is what reading the file and finding each packet cost on this
 * machine. bench/compare times it beside tcpstate and its peers.
 *
 *   walk-records --mmap FILE   map the file and walk it in place (issue 6's "C loop over a memory-mapped file")
 *   walk-records --read FILE   read(2) it in 1 MiB blocks, as a streaming reader does
 *
 * Prints "RECORDS records BYTES bytes"; exits 1 on a file that is not a little-endian classic pcap or ends mid-record.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FILE_HEADER = 24, RECORD_HEADER = 16, BLOCK = 1 << 20, MAX_RECORD = 1 << 18 };

static uint32_t read_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static int is_pcap(const uint8_t *header) {
    uint32_t magic = read_u32(header);
    return magic == 0xa1b2c3d4u || magic == 0xa1b23c4du; /* microsecond or nanosecond timestamps */
}

static int walk_mapped(int fd, uint64_t *records, uint64_t *bytes) {
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < FILE_HEADER) return 0;
    size_t size = (size_t)st.st_size;
    const uint8_t *file = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (file == MAP_FAILED) return 0;
    madvise((void *)file, size, MADV_SEQUENTIAL);
    if (!is_pcap(file)) return 0;
    size_t at = FILE_HEADER;
    while (at + RECORD_HEADER <= size) {
        uint32_t captured = read_u32(file + at + 8);
        at += RECORD_HEADER + captured;
        ++*records;
        *bytes += captured;
    }
    return at == size;
}

static int walk_read(int fd, uint64_t *records, uint64_t *bytes) {
    uint8_t *buffer = malloc(BLOCK + MAX_RECORD);
    if (buffer == NULL) return 0;
    size_t have = 0, at = FILE_HEADER;
    ssize_t got;
    while (have < FILE_HEADER && (got = read(fd, buffer + have, BLOCK)) > 0) have += (size_t)got;
    if (have < FILE_HEADER || !is_pcap(buffer)) return 0;
    for (;;) {
        if (at + RECORD_HEADER <= have) {
            uint32_t captured = read_u32(buffer + at + 8);
            if (captured > MAX_RECORD) return 0;
            if (at + RECORD_HEADER + captured <= have) {
                at += RECORD_HEADER + captured;
                ++*records;
                *bytes += captured;
                continue;
            }
        }
        /* The next record is not whole in the buffer: keep its start, read the next block behind it. */
        memmove(buffer, buffer + at, have - at);
        have -= at;
        at = 0;
        got = read(fd, buffer + have, BLOCK);
        if (got <= 0) return got == 0 && have == 0;
        have += (size_t)got;
    }
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "--mmap") != 0 && strcmp(argv[1], "--read") != 0)) {
        fprintf(stderr, "usage: walk-records --mmap|--read FILE\n");
        return 2;
    }
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) { perror(argv[2]); return 1; }
    uint64_t records = 0, bytes = 0;
    int whole = strcmp(argv[1], "--mmap") == 0 ? walk_mapped(fd, &records, &bytes) : walk_read(fd, &records, &bytes);
    printf("%llu records %llu bytes\n", (unsigned long long)records, (unsigned long long)bytes);
    if (!whole) { fprintf(stderr, "%s: not a little-endian classic pcap, or it ends inside a record\n", argv[2]); return 1; }
    return 0;
}
