// Linux calls that Swift's Glibc module does not expose (sys/vfs.h, fallocate, malloc_trim).
#define _GNU_SOURCE
#include "CFileShims.h"

#include <errno.h>
#if defined(__linux__)
#include <fcntl.h>
#include <linux/falloc.h>
#include <malloc.h>
#include <sys/vfs.h>

/// The f_type shared by ext2, ext3 and ext4.
#define IMMETAIO_EXT4_SUPER_MAGIC 0xEF53

int immetaio_file_is_on_ext4(int descriptor) {
    struct statfs info;
    return fstatfs(descriptor, &info) == 0 && info.f_type == IMMETAIO_EXT4_SUPER_MAGIC;
}

int immetaio_file_reserve(int descriptor, long long offset, long long length) {
    return fallocate(descriptor, FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)length);
}

void immetaio_release_free_memory(void) { malloc_trim(0); }
#else
void immetaio_release_free_memory(void) {}

int immetaio_file_is_on_ext4(int descriptor) {
    (void)descriptor;
    return 0;
}

int immetaio_file_reserve(int descriptor, long long offset, long long length) {
    (void)descriptor;
    (void)offset;
    (void)length;
    errno = ENOTSUP;
    return -1;
}
#endif

#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>
#if !defined(__linux__)
#include <fcntl.h>
#endif

int immetaio_create_locked_temporary(char *path_template) {
    int descriptor = mkostemp(path_template, O_CLOEXEC);
    if (descriptor < 0) return -1;
    // A new file nobody else has opened: the lock cannot be contended, but a file system without
    // flock support (some network mounts) refuses it; the file then simply carries no lock.
    (void)flock(descriptor, LOCK_EX | LOCK_NB);
    return descriptor;
}

int immetaio_file_try_lock(int descriptor) { return flock(descriptor, LOCK_EX | LOCK_NB); }
