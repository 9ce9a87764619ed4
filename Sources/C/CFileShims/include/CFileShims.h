#ifndef IMMETAIO_CFILESHIMS_H
#define IMMETAIO_CFILESHIMS_H

/// Whether the open file lives on ext2/3/4 (Linux `fstatfs`); always 0 elsewhere.
int immetaio_file_is_on_ext4(int descriptor);

/// Reserves disk blocks for `length` bytes at `offset` without changing the file's size
/// (`fallocate` with `FALLOC_FL_KEEP_SIZE`). Returns 0, or -1 with errno set (ENOTSUP off Linux).
int immetaio_file_reserve(int descriptor, long long offset, long long length);

/// Returns freed heap memory to the system (glibc's `malloc_trim`, every arena); nothing
/// elsewhere. For long runs whose threads free many large buffers.
void immetaio_release_free_memory(void);

#endif
