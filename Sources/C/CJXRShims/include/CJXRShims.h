#ifndef IMMETAIO_CJXRSHIMS_H
#define IMMETAIO_CJXRSHIMS_H

#include <stddef.h>
#include <stdint.h>

/// Status codes of the JPEG XR shim.
enum {
    IMMETAIO_JXR_OK = 0,
    /// jxrlib refused the data (`jxr_error` holds its WMP_err code).
    IMMETAIO_JXR_ERROR = 1,
    /// The data decodes to a pixel format the shim does not return.
    IMMETAIO_JXR_UNSUPPORTED = 2,
    /// The image has more pixels than `max_pixels`.
    IMMETAIO_JXR_TOO_LARGE = 3,
    /// Out of memory.
    IMMETAIO_JXR_NOMEM = 4,
    /// An argument is invalid (NULL data, a buffer smaller than height × width × bytes_per_pixel).
    IMMETAIO_JXR_INVALID_ARGUMENT = 5,
    /// The data's pixels are not `bytes_per_pixel` bytes (`info` says what they are).
    IMMETAIO_JXR_FORMAT_MISMATCH = 6,
    /// jxrlib crashed, aborted or hung on the data: the process decoding it died.
    IMMETAIO_JXR_CRASHED = 7,
    /// The decoding process could not be started.
    IMMETAIO_JXR_NO_PROCESS = 8,
};

/// Pixel formats of decoded JPEG XR data, named with their component order in memory.
enum {
    IMMETAIO_JXR_FORMAT_UNKNOWN = 0,
    IMMETAIO_JXR_FORMAT_GRAY8 = 1,
    IMMETAIO_JXR_FORMAT_GRAY16 = 2,
    IMMETAIO_JXR_FORMAT_GRAY32_FLOAT = 3,
    IMMETAIO_JXR_FORMAT_BGR24 = 4,
    IMMETAIO_JXR_FORMAT_RGB24 = 5,
    IMMETAIO_JXR_FORMAT_RGB48 = 6,
    IMMETAIO_JXR_FORMAT_BGRA32 = 7,
    IMMETAIO_JXR_FORMAT_RGB96_FLOAT = 8,
};

/// What the data's header says: its size, its pixel format (an IMMETAIO_JXR_FORMAT value) and the
/// bytes of one pixel in that format.
typedef struct {
    int width;
    int height;
    int format;
    int bytes_per_pixel;
} immetaio_jxr_info;

/// Decodes JPEG XR data into `pixels`: `height` rows of `width` pixels of `bytes_per_pixel` bytes,
/// packed.
///
/// When the data's own size differs from `width` × `height`, its top-left part is kept and the rest
/// of the buffer is zero-filled (the data is decoded into a temporary buffer first, refused with
/// IMMETAIO_JXR_TOO_LARGE beyond `max_pixels`). `info` receives the data's own header.
///
/// jxrlib reports most failures through return codes, but on damaged data it can also fail an
/// `assert`, read or write out of bounds, or loop. On Linux the decoding therefore runs in a forked
/// child process that writes the pixels to shared memory: whatever jxrlib does to the child, the
/// caller gets IMMETAIO_JXR_CRASHED. Elsewhere it runs in the calling process.
int immetaio_jxr_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t pixels_size, int width, int height,
                        int bytes_per_pixel, size_t max_pixels, immetaio_jxr_info *info, int *jxr_error);

#endif
