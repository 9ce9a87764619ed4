#ifndef IMMETAIO_CEXRSHIMS_H
#define IMMETAIO_CEXRSHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <OpenEXR/openexr.h>

/// An OpenEXR file being read from memory: the OpenEXRCore context, the memory stream behind it
/// and the last error the library reported.
typedef struct immetaio_exr_reader immetaio_exr_reader;

/// Opens an EXR held in memory (which must outlive the reader). NULL on failure, with the reason
/// in `message`.
immetaio_exr_reader *immetaio_exr_open(const void *data, size_t size, char *message, size_t message_size);
void immetaio_exr_close(immetaio_exr_reader *reader);
/// The context, for the exr_get_* queries.
exr_const_context_t immetaio_exr_context(const immetaio_exr_reader *reader);

/// How many chunks make up level 0 of a part (all chunks of a scanline part), or -1.
int immetaio_exr_level0_chunk_count(const immetaio_exr_reader *reader, int part);

/// Decodes chunks [chunk_begin, chunk_end) of level 0 of a scanline or tiled part into an
/// interleaved H×W×C buffer of `out_type` samples (EXR_PIXEL_HALF/FLOAT/UINT, or 3 for 8-byte
/// doubles, converted here exactly from uint, half and float channels). `positions[i]` is where the part's i-th channel (in the file's
/// sorted channel list, `position_count` entries) goes in the pixel, or -1 to skip it. Safe to call from several threads
/// with disjoint chunk ranges. Returns 0, or an EXR error code with `message` filled.
int immetaio_exr_decode(const immetaio_exr_reader *reader, int part, const int *positions, int position_count,
                        int channels,
                        int out_type, void *out, size_t out_size, int chunk_begin, int chunk_end,
                        char *message, size_t message_size);

/// One channel of a chunk as the PIZ codec sees it.
typedef struct {
    int32_t width;
    int32_t height;
    int32_t bytes_per_sample;
} immetaio_exr_plane;

/// Decompresses a PIZ chunk into its packed form (`destination_size` bytes exactly); 0 on success.
typedef int (*immetaio_exr_piz_decompress_fn)(const void *source, size_t source_size, void *destination,
                                              size_t destination_size, const immetaio_exr_plane *planes,
                                              int plane_count);
/// Compresses a packed chunk; returns the compressed size, or 0 to store the chunk uncompressed.
typedef size_t (*immetaio_exr_piz_compress_fn)(const void *source, size_t source_size, void *destination,
                                               size_t capacity, const immetaio_exr_plane *planes, int plane_count);

/// Replaces OpenEXRCore's PIZ codec for chunks whose channels are not subsampled (NULL, NULL
/// restores it). Readers and writers created afterwards use these.
void immetaio_exr_set_piz_codec(immetaio_exr_piz_decompress_fn decompress, immetaio_exr_piz_compress_fn compress);
/// Makes one reader or writer use OpenEXRCore's own PIZ codec (for comparisons in tests).
void immetaio_exr_reader_use_library_piz(immetaio_exr_reader *reader);

/// An OpenEXR file being written into memory.
typedef struct immetaio_exr_writer immetaio_exr_writer;

/// Starts a single-part scanline file of `channels` channels named `names`, all of `pixel_type`
/// (EXR_PIXEL_HALF or EXR_PIXEL_FLOAT), with `compression`; `zip_level` < 0 and `dwa_level` < 0
/// keep the library's defaults.
immetaio_exr_writer *immetaio_exr_writer_create(int width, int height, int channels, const char *const *names,
                                                int pixel_type, int compression, int zip_level, float dwa_level,
                                                char *message, size_t message_size);
int immetaio_exr_writer_chunk_count(const immetaio_exr_writer *writer);
/// Compresses chunks [chunk_begin, chunk_end) from interleaved H×W×C samples of the writer's
/// pixel type; keeps the results for `finish`. Safe from several threads with disjoint ranges.
int immetaio_exr_encode(immetaio_exr_writer *writer, const void *pixels, int chunk_begin, int chunk_end,
                        char *message, size_t message_size);
/// Writes the compressed chunks in order and finishes the file; `*bytes` stays owned by the writer.
int immetaio_exr_writer_finish(immetaio_exr_writer *writer, const uint8_t **bytes, size_t *size,
                               char *message, size_t message_size);
void immetaio_exr_writer_free(immetaio_exr_writer *writer);
void immetaio_exr_writer_use_library_piz(immetaio_exr_writer *writer);

#endif
