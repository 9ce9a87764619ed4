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

/// Creates a unique file from `path_template` (ending in XXXXXX, replaced in place), opened
/// read-write and close-on-exec, and takes an exclusive `flock` on it, held while the descriptor
/// stays open: cleaners treat a temporary whose lock they can take as abandoned. Returns the
/// descriptor, or -1 with errno set.
int immetaio_create_locked_temporary(char *path_template);

/// Takes an exclusive `flock` on `descriptor` without waiting. Returns 0, or -1 with errno set
/// (EWOULDBLOCK: another open file description holds it, i.e. a live writer).
int immetaio_file_try_lock(int descriptor);

#endif
