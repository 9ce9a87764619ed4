#ifndef IMMETAIO_CSHIMS_H
#define IMMETAIO_CSHIMS_H

#include <stddef.h>

/// Status codes of the JPEG shim.
enum {
    IMMETAIO_JPEG_OK = 0,
    /// libjpeg reported an error; the message says which.
    IMMETAIO_JPEG_ERROR = 1,
    /// The data ended before the image did (libjpeg's "premature end" warning).
    IMMETAIO_JPEG_TRUNCATED = 2,
    /// Out of memory.
    IMMETAIO_JPEG_NOMEM = 3,
};

/// What a JPEG header says, read without decoding.
typedef struct {
    int width;
    int height;
    int num_components;
    int jpeg_color_space;
    int precision;
    int progressive;
    int arithmetic;
    int saw_adobe;
    int adobe_transform;
    int saw_jfif;
    int density_unit;
    int x_density;
    int y_density;
} immetaio_jpeg_header;

/// Reads the header of a JPEG in memory. libjpeg errors longjmp inside this function only.
int immetaio_jpeg_read_header(const unsigned char *data, size_t size, immetaio_jpeg_header *header,
                              char *message, size_t message_size);

/// Decodes a JPEG in memory into `pixels` (height × width × components bytes, rows packed) with
/// the given libjpeg output colour space (JCS_GRAYSCALE, JCS_RGB or JCS_CMYK).
/// `*warnings` receives the number of libjpeg warnings (corrupt-data messages).
int immetaio_jpeg_decode(const unsigned char *data, size_t size, int out_color_space,
                         unsigned char *pixels, size_t pixels_size, int *warnings,
                         char *message, size_t message_size);

/// As `immetaio_jpeg_decode`, but with the colour space of the JPEG data given instead of guessed
/// (`jpeg_color_space` > 0), as TIFF's PhotometricInterpretation tells it for JPEG-in-TIFF.
int immetaio_jpeg_decode_as(const unsigned char *data, size_t size, int jpeg_color_space, int out_color_space,
                            unsigned char *pixels, size_t pixels_size, int *warnings,
                            char *message, size_t message_size);

/// Encodes packed 8-bit gray (components 1) or RGB (components 3) rows as a baseline or
/// progressive JPEG. On success `*output` holds `*output_size` bytes to release with
/// `immetaio_jpeg_free`.
int immetaio_jpeg_encode(const unsigned char *pixels, int width, int height, int components,
                         int quality, int h_sampling, int v_sampling, int progressive,
                         int optimize, unsigned char **output, unsigned long *output_size,
                         char *message, size_t message_size);

/// As `immetaio_jpeg_encode`, with the colour space of the JPEG data given (`jpeg_color_space` > 0:
/// JCS_RGB stores RGB without the YCbCr transform, as TIFF's PhotometricInterpretation RGB
/// declares it) instead of libjpeg's default (YCbCr for RGB input). Sampling factors apply to
/// YCbCr only.
int immetaio_jpeg_encode_as(const unsigned char *pixels, int width, int height, int components,
                            int jpeg_color_space, int quality, int h_sampling, int v_sampling,
                            int progressive, int optimize, unsigned char **output,
                            unsigned long *output_size, char *message, size_t message_size);

/// Frees encoder output.
void immetaio_jpeg_free(unsigned char *buffer);

/// The libjpeg-turbo version this shim was built against ("2.1.5"), or "" for another libjpeg.
const char *immetaio_jpeg_library_version(void);

/// The sample precision (BITS_IN_JSAMPLE) of the libjpeg API this shim calls: 8.
int immetaio_jpeg_sample_bits(void);

#endif
