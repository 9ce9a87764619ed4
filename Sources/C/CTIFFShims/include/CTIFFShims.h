#ifndef IMMETAIO_CTIFFSHIMS_H
#define IMMETAIO_CTIFFSHIMS_H

#include <stddef.h>
#include <stdint.h>

/// One TIFF directory opened with libtiff over bytes in memory. libtiff reports errors through
/// handlers that return (they never longjmp): the shim keeps their messages with the handle.
typedef struct immetaio_tiff immetaio_tiff;

/// What libtiff read from the directory, for comparing with our own parse before decoding.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t samples;
    uint32_t bits;
    uint32_t compression;
    uint32_t photometric;
    int planar;
    int tiled;
    uint32_t chunk_width;
    uint32_t chunk_height;
    uint32_t chunks;
    int64_t chunk_size;
} immetaio_tiff_layout;

/// Whether this libtiff decodes TIFF compression `compression`.
int immetaio_tiff_has_codec(int compression);

/// libtiff's name for compression `compression`, or NULL.
const char *immetaio_tiff_codec_name(int compression);

/// libtiff's version line ("LIBTIFF, Version 4.5.0 …").
const char *immetaio_tiff_version(void);

/// Opens the directory at `ifd_offset` of the `size` TIFF bytes at `data` (not copied: they must
/// outlive the handle). libtiff's own allocations are capped at `max_alloc` bytes each. Returns
/// NULL with `message` filled on failure.
immetaio_tiff *immetaio_tiff_open(const void *data, size_t size, uint64_t ifd_offset, int64_t max_alloc, char *message,
                                  size_t message_size);

/// The directory's layout as libtiff sees it. Returns 0, or -1 when a required tag is missing.
int immetaio_tiff_layout_of(immetaio_tiff *tiff, immetaio_tiff_layout *layout);

/// Decodes strip or tile `index` into `out` (at most `out_size` bytes): libtiff decompresses it and
/// undoes the fill order, predictor and byte order (samples come out in native order). Returns
/// the bytes produced, or -1 (see `immetaio_tiff_message`).
int64_t immetaio_tiff_read_chunk(immetaio_tiff *tiff, uint32_t index, void *out, size_t out_size);

/// Converts a `width`×`height` region at column `x`, row `y` to 8-bit RGB through libtiff's RGBA
/// interface (YCbCr with subsampling, old-style JPEG), 3 bytes a pixel, rows packed. Returns 0, or
/// -1 (see `immetaio_tiff_message`).
int immetaio_tiff_read_rgb(immetaio_tiff *tiff, uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint8_t *out,
                           size_t out_size);

/// The errors libtiff reported on this handle, joined; empty when none.
const char *immetaio_tiff_message(const immetaio_tiff *tiff);

/// Closes the handle.
void immetaio_tiff_close(immetaio_tiff *tiff);

#endif
