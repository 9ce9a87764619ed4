// libtiff over bytes in memory, for the TIFF compressions our own reader has no codec for.
// Every handle carries its own error handler (TIFFOpenOptions, libtiff >= 4.5), so handles on
// different threads never share state and no message reaches stderr.
#include "CTIFFShims.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

struct immetaio_tiff {
    TIFF *tif;
    const unsigned char *data;
    uint64_t size;
    uint64_t position;
    char message[512];
};

static void append_message(struct immetaio_tiff *handle, const char *module, const char *format, va_list arguments) {
    size_t used = strlen(handle->message);
    if (used + 8 >= sizeof handle->message) return;
    if (used > 0) used += (size_t)snprintf(handle->message + used, sizeof handle->message - used, "; ");
    if (module && *module && used < sizeof handle->message)
        used += (size_t)snprintf(handle->message + used, sizeof handle->message - used, "%s: ", module);
    if (used < sizeof handle->message) vsnprintf(handle->message + used, sizeof handle->message - used, format, arguments);
}

static int on_error(TIFF *tif, void *user, const char *module, const char *format, va_list arguments) {
    (void)tif;
    append_message(user, module, format, arguments);
    return 1;  // handled: libtiff's global handler (stderr) is not called
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *format, va_list arguments) {
    (void)tif, (void)user, (void)module, (void)format, (void)arguments;
    return 1;  // warnings (e.g. "old-style JPEG is deprecated") are not errors
}

static tmsize_t read_proc(thandle_t opaque, void *buffer, tmsize_t count) {
    struct immetaio_tiff *handle = opaque;
    if (count < 0 || handle->position >= handle->size) return 0;
    uint64_t available = handle->size - handle->position;
    uint64_t length = (uint64_t)count < available ? (uint64_t)count : available;
    memcpy(buffer, handle->data + handle->position, (size_t)length);
    handle->position += length;
    return (tmsize_t)length;
}

static tmsize_t write_proc(thandle_t opaque, void *buffer, tmsize_t count) {
    (void)opaque, (void)buffer, (void)count;
    return -1;
}

static toff_t seek_proc(thandle_t opaque, toff_t offset, int whence) {
    struct immetaio_tiff *handle = opaque;
    uint64_t base = whence == SEEK_CUR ? handle->position : whence == SEEK_END ? handle->size : 0;
    if (offset > UINT64_MAX - base) return (toff_t)-1;
    handle->position = base + offset;  // past the end is allowed; reads there return nothing
    return handle->position;
}

static int close_proc(thandle_t opaque) {
    (void)opaque;
    return 0;
}

static toff_t size_proc(thandle_t opaque) { return ((struct immetaio_tiff *)opaque)->size; }

static int map_proc(thandle_t opaque, void **base, toff_t *size) {
    (void)opaque, (void)base, (void)size;
    return 0;
}

static void unmap_proc(thandle_t opaque, void *base, toff_t size) { (void)opaque, (void)base, (void)size; }

int immetaio_tiff_has_codec(int compression) {
    return compression >= 0 && compression <= 0xFFFF && TIFFIsCODECConfigured((uint16_t)compression);
}

const char *immetaio_tiff_codec_name(int compression) {
    if (compression < 0 || compression > 0xFFFF) return NULL;
    const TIFFCodec *codec = TIFFFindCODEC((uint16_t)compression);
    return codec ? codec->name : NULL;
}

const char *immetaio_tiff_version(void) { return TIFFGetVersion(); }

immetaio_tiff *immetaio_tiff_open(const void *data, size_t size, uint64_t ifd_offset, int64_t max_alloc, char *message,
                                  size_t message_size) {
    struct immetaio_tiff *handle = calloc(1, sizeof *handle);
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!handle || !options) {
        free(handle);
        TIFFOpenOptionsFree(options);
        if (message && message_size) snprintf(message, message_size, "out of memory");
        return NULL;
    }
    handle->data = data;
    handle->size = size;
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, handle);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, handle);
    if (max_alloc > 0) TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)max_alloc);
    // r: read; m: no memory mapping; h: the header only (the directory comes next, by offset);
    // c: strips as stored, never chopped, so that strip numbers are the file's.
    handle->tif = TIFFClientOpenExt("memory", "rmhc", handle, read_proc, write_proc, seek_proc, close_proc, size_proc,
                                    map_proc, unmap_proc, options);
    TIFFOpenOptionsFree(options);
    if (!handle->tif || !TIFFSetSubDirectory(handle->tif, ifd_offset)) {
        if (message && message_size)
            snprintf(message, message_size, "%s", handle->message[0] ? handle->message : "libtiff cannot read the directory");
        if (handle->tif) TIFFClose(handle->tif);
        free(handle);
        return NULL;
    }
    // LogLuv comes out as float32 CIE XYZ (the reader's dtype for it), not as 16-bit Luv.
    uint16_t photometric = 0, compression = 0;
    if (TIFFGetField(handle->tif, TIFFTAG_PHOTOMETRIC, &photometric) && photometric == PHOTOMETRIC_LOGLUV &&
        TIFFGetField(handle->tif, TIFFTAG_COMPRESSION, &compression) &&
        (compression == COMPRESSION_SGILOG || compression == COMPRESSION_SGILOG24))
        TIFFSetField(handle->tif, TIFFTAG_SGILOGDATAFMT, SGILOGDATAFMT_FLOAT);
    return handle;
}

int immetaio_tiff_layout_of(immetaio_tiff *handle, immetaio_tiff_layout *layout) {
    TIFF *tif = handle->tif;
    uint32_t width = 0, height = 0;
    uint16_t samples = 1, bits = 1, compression = 1, photometric = 0, planar = 1;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height)) return -1;
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) photometric = 0xFFFF;
    memset(layout, 0, sizeof *layout);
    layout->width = width;
    layout->height = height;
    layout->samples = samples;
    layout->bits = bits;
    layout->compression = compression;
    layout->photometric = photometric;
    layout->planar = planar == PLANARCONFIG_SEPARATE;
    layout->tiled = TIFFIsTiled(tif);
    if (layout->tiled) {
        uint32_t tile_width = 0, tile_height = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_width);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_height);
        layout->chunk_width = tile_width;
        layout->chunk_height = tile_height;
        layout->chunks = TIFFNumberOfTiles(tif);
        layout->chunk_size = (int64_t)TIFFTileSize64(tif);
    } else {
        uint32_t rows = height;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows);
        layout->chunk_width = width;
        layout->chunk_height = rows < height ? rows : height;
        layout->chunks = TIFFNumberOfStrips(tif);
        layout->chunk_size = (int64_t)TIFFStripSize64(tif);
    }
    return 0;
}

int64_t immetaio_tiff_read_chunk(immetaio_tiff *handle, uint32_t index, void *out, size_t out_size) {
    tmsize_t produced = TIFFIsTiled(handle->tif) ? TIFFReadEncodedTile(handle->tif, index, out, (tmsize_t)out_size)
                                                 : TIFFReadEncodedStrip(handle->tif, index, out, (tmsize_t)out_size);
    if (produced < 0 && !handle->message[0]) snprintf(handle->message, sizeof handle->message, "libtiff cannot decode chunk %u", index);
    return produced;
}

int immetaio_tiff_read_rgb(immetaio_tiff *handle, uint32_t x, uint32_t y, uint32_t width, uint32_t height, uint8_t *out,
                           size_t out_size) {
    if ((uint64_t)width * height * 3 > out_size) return -1;
    char problem[1024] = "";
    TIFFRGBAImage image;
    if (!TIFFRGBAImageOK(handle->tif, problem) || !TIFFRGBAImageBegin(&image, handle->tif, 1, problem)) {
        if (!handle->message[0]) snprintf(handle->message, sizeof handle->message, "%s", problem);
        return -1;
    }
    uint32_t *raster = malloc((size_t)width * height * sizeof(uint32_t));
    if (!raster) {
        TIFFRGBAImageEnd(&image);
        snprintf(handle->message, sizeof handle->message, "out of memory");
        return -1;
    }
    image.req_orientation = ORIENTATION_TOPLEFT;
    image.row_offset = (int)y;
    image.col_offset = (int)x;
    int ok = TIFFRGBAImageGet(&image, raster, width, height);
    TIFFRGBAImageEnd(&image);
    if (ok) {
        for (size_t i = 0; i < (size_t)width * height; i++) {
            out[3 * i] = (uint8_t)TIFFGetR(raster[i]);
            out[3 * i + 1] = (uint8_t)TIFFGetG(raster[i]);
            out[3 * i + 2] = (uint8_t)TIFFGetB(raster[i]);
        }
    } else if (!handle->message[0]) {
        snprintf(handle->message, sizeof handle->message, "libtiff cannot convert rows %u…%u to RGB", y, y + height);
    }
    free(raster);
    return ok ? 0 : -1;
}

const char *immetaio_tiff_message(const immetaio_tiff *handle) { return handle->message; }

void immetaio_tiff_close(immetaio_tiff *handle) {
    if (!handle) return;
    TIFFClose(handle->tif);
    free(handle);
}
