#ifndef IMMETAIO_CEXRCXX_H
#define IMMETAIO_CEXRCXX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Decodes level 0 of part `part` of an OpenEXR file in memory with OpenEXR's C++ library (which
/// has every compressor, DWAA/DWAB included, and decodes chunks on its own thread pool) into an
/// interleaved H×W×C buffer. `names` lists the channels in pixel order; `pixel_type` is 1 (half)
/// or 2 (float) for every output sample. Returns 0, or -1 with `message` filled; C++ exceptions
/// never leave this function.
int immetaio_exr_cxx_decode(const void *data, size_t size, int part, int channels, const char *const *names,
                            int pixel_type, void *out, size_t out_size, int threads, char *message,
                            size_t message_size);

/// Decodes part 0 of an OpenEXR file in memory whose channels are luminance and chroma (Y, RY, BY,
/// optionally A; RY and BY usually subsampled) through OpenEXR's RGBA interface, which
/// reconstructs full-resolution chroma and converts to RGB with the file's chromaticities, into
/// an interleaved H×W×`channels` half buffer (3: RGB, 4: RGBA). Returns 0, or -1 with `message`
/// filled; C++ exceptions never leave this function.
int immetaio_exr_cxx_decode_luminance_chroma(const void *data, size_t size, int channels, void *out, size_t out_size,
                                             int threads, char *message, size_t message_size);

/// Decodes channel `name` of part `part` at its own sampling ((W / x sampling) × (H / y
/// sampling) samples) as half (`pixel_type` 1) or float (2) into `out`. Returns 0, or -1 with
/// `message` filled; C++ exceptions never leave this function.
int immetaio_exr_cxx_decode_channel(const void *data, size_t size, int part, const char *name, int pixel_type, void *out,
                                    size_t out_size, int threads, char *message, size_t message_size);

/// Encodes interleaved H×W×C half (`pixel_type` 1) or float (2) samples as a single-part
/// scanline file with `compression` (OpenEXR's enum: 8 DWAA, 9 DWAB, …) and, when `dwa_level`
/// ≥ 0, that DWA quality. On success `*bytes` holds `*size` bytes to release with
/// `immetaio_exr_cxx_free`. Returns 0, or -1 with `message` filled.
int immetaio_exr_cxx_encode(const void *pixels, int width, int height, int channels, const char *const *names,
                            int pixel_type, int compression, float dwa_level, int threads, unsigned char **bytes,
                            size_t *size, char *message, size_t message_size);

/// Frees what `immetaio_exr_cxx_encode` returned.
void immetaio_exr_cxx_free(unsigned char *bytes);

#ifdef __cplusplus
}
#endif

#endif
