// OpenEXRCore's decode and encode pipelines are structs full of per-channel pointers and
// callbacks; driving them from C keeps that bookkeeping in one place. Nothing here jumps across
// frames: every failure is a return code with a message.
#include "CEXRShims.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Reading

// MARK: - PIZ hooks

static _Atomic(immetaio_exr_piz_decompress_fn) piz_decompress_hook;
static _Atomic(immetaio_exr_piz_compress_fn) piz_compress_hook;

void immetaio_exr_set_piz_codec(immetaio_exr_piz_decompress_fn decompress, immetaio_exr_piz_compress_fn compress) {
    atomic_store(&piz_decompress_hook, decompress);
    atomic_store(&piz_compress_hook, compress);
}

/// The chunk's channels for the hooks, or -1 when one is subsampled (left to OpenEXRCore).
static int piz_planes(const exr_coding_channel_info_t *channels, int count, immetaio_exr_plane *planes) {
    for (int c = 0; c < count; c++) {
        if (channels[c].x_samples != 1 || channels[c].y_samples != 1) return -1;
        planes[c].width = channels[c].width;
        planes[c].height = channels[c].height;
        planes[c].bytes_per_sample = channels[c].bytes_per_element;
    }
    return 0;
}

static exr_result_t piz_decompress_chunk(exr_decode_pipeline_t *decode) {
    // A chunk stored at its full size is raw; the pipeline already points the unpacked buffer at it.
    if (decode->chunk.packed_size == decode->chunk.unpacked_size) return EXR_ERR_SUCCESS;
    immetaio_exr_plane planes[64];
    immetaio_exr_piz_decompress_fn hook = atomic_load(&piz_decompress_hook);
    if (!hook || decode->channel_count > 64 || !decode->packed_buffer || !decode->unpacked_buffer ||
        piz_planes(decode->channels, decode->channel_count, planes) != 0)
        return EXR_ERR_CORRUPT_CHUNK;
    return hook(decode->packed_buffer, decode->chunk.packed_size, decode->unpacked_buffer, decode->chunk.unpacked_size,
                planes, decode->channel_count) == 0
               ? EXR_ERR_SUCCESS
               : EXR_ERR_CORRUPT_CHUNK;
}

/// Whether our PIZ hooks can take this pipeline's chunks.
static int piz_hooks_apply(const exr_coding_channel_info_t *channels, int count) {
    immetaio_exr_plane planes[64];
    return count > 0 && count <= 64 && piz_planes(channels, count, planes) == 0;
}

struct immetaio_exr_reader {
    exr_context_t context;
    int library_piz;
    const uint8_t *data;
    size_t size;
    pthread_mutex_t lock;
    char last_error[256];
};

static void reader_error(exr_const_context_t context, exr_result_t code, const char *text) {
    void *user = NULL;
    if (exr_get_user_data(context, &user) != EXR_ERR_SUCCESS || !user) return;
    immetaio_exr_reader *reader = user;
    pthread_mutex_lock(&reader->lock);
    snprintf(reader->last_error, sizeof reader->last_error, "%s (%s)", text ? text : "error",
             exr_get_error_code_as_string(code));
    pthread_mutex_unlock(&reader->lock);
}

static int64_t reader_read(exr_const_context_t context, void *user, void *buffer, uint64_t size, uint64_t offset,
                           exr_stream_error_func_ptr_t error) {
    (void)context;
    (void)error;
    immetaio_exr_reader *reader = user;
    if (offset >= reader->size) return 0;
    uint64_t available = reader->size - offset;
    uint64_t count = size < available ? size : available;
    memcpy(buffer, reader->data + offset, (size_t)count);
    return (int64_t)count;
}

static int64_t reader_size(exr_const_context_t context, void *user) {
    (void)context;
    return (int64_t)((immetaio_exr_reader *)user)->size;
}

static void copy_message(char *message, size_t message_size, const char *text) {
    if (message && message_size) snprintf(message, message_size, "%s", text);
}

/// Copies the library's last message (written by the error handler, possibly from another worker)
/// under its lock, or the code's name when there is none.
static void copy_last_error(pthread_mutex_t *lock, const char *last_error, exr_result_t status, char *message,
                            size_t message_size) {
    pthread_mutex_lock(lock);
    copy_message(message, message_size, last_error[0] ? last_error : exr_get_error_code_as_string(status));
    pthread_mutex_unlock(lock);
}

immetaio_exr_reader *immetaio_exr_open(const void *data, size_t size, char *message, size_t message_size) {
    immetaio_exr_reader *reader = calloc(1, sizeof *reader);
    if (!reader) {
        copy_message(message, message_size, "out of memory");
        return NULL;
    }
    reader->data = data;
    reader->size = size;
    pthread_mutex_init(&reader->lock, NULL);
    exr_context_initializer_t init;
    memset(&init, 0, sizeof init);
    init.size = sizeof init;
    init.error_handler_fn = reader_error;
    init.user_data = reader;
    init.read_fn = reader_read;
    init.size_fn = reader_size;
    init.zip_level = -2;
    init.dwa_quality = -1.f;
    exr_result_t status = exr_start_read(&reader->context, "<memory>", &init);
    if (status != EXR_ERR_SUCCESS) {
        copy_last_error(&reader->lock, reader->last_error, status, message, message_size);
        if (reader->context) exr_finish(&reader->context);
        pthread_mutex_destroy(&reader->lock);
        free(reader);
        return NULL;
    }
    return reader;
}

void immetaio_exr_close(immetaio_exr_reader *reader) {
    if (!reader) return;
    if (reader->context) exr_finish(&reader->context);
    pthread_mutex_destroy(&reader->lock);
    free(reader);
}

exr_const_context_t immetaio_exr_context(const immetaio_exr_reader *reader) { return reader->context; }

static int fail(const immetaio_exr_reader *reader, exr_result_t status, char *message, size_t message_size) {
    immetaio_exr_reader *shared = (immetaio_exr_reader *)reader;  // the lock is the only thing changed
    copy_last_error(&shared->lock, shared->last_error, status, message, message_size);
    return status ? (int)status : (int)EXR_ERR_UNKNOWN;
}

int immetaio_exr_level0_chunk_count(const immetaio_exr_reader *reader, int part) {
    exr_const_context_t context = reader->context;
    exr_storage_t storage;
    int32_t count = 0;
    if (exr_get_storage(context, part, &storage) != EXR_ERR_SUCCESS) return -1;
    if (storage != EXR_STORAGE_TILED) return exr_get_chunk_count(context, part, &count) == EXR_ERR_SUCCESS ? count : -1;
    int32_t tile_width = 0, tile_height = 0, level_width = 0, level_height = 0;
    if (exr_get_tile_sizes(context, part, 0, 0, &tile_width, &tile_height) != EXR_ERR_SUCCESS) return -1;
    if (exr_get_level_sizes(context, part, 0, 0, &level_width, &level_height) != EXR_ERR_SUCCESS) return -1;
    if (tile_width <= 0 || tile_height <= 0) return -1;
    int64_t across = ((int64_t)level_width + tile_width - 1) / tile_width;
    int64_t down = ((int64_t)level_height + tile_height - 1) / tile_height;
    return across * down > INT32_MAX ? -1 : (int)(across * down);
}

static size_t sample_size(int type) { return type == EXR_PIXEL_HALF ? 2 : type == 3 ? 8 : 4; }

int immetaio_exr_decode(const immetaio_exr_reader *reader, int part, const int *positions, int position_count,
                        int channels,
                        int out_type, void *out, size_t out_size, int chunk_begin, int chunk_end,
                        char *message, size_t message_size) {
    exr_const_context_t context = reader->context;
    exr_attr_box2i_t window;
    exr_storage_t storage;
    exr_compression_t compression = EXR_COMPRESSION_NONE;
    exr_result_t status = exr_get_data_window(context, part, &window);
    if (status == EXR_ERR_SUCCESS) status = exr_get_storage(context, part, &storage);
    if (status == EXR_ERR_SUCCESS) status = exr_get_compression(context, part, &compression);
    if (status != EXR_ERR_SUCCESS) return fail(reader, status, message, message_size);
    int64_t width = (int64_t)window.max.x - window.min.x + 1;
    int64_t height = (int64_t)window.max.y - window.min.y + 1;
    // Doubles are decoded into a scratch chunk of 4-byte samples (uint channels as uint, half and
    // float channels as float), then widened: a double holds both exactly.
    size_t element = sample_size(out_type);
    if ((size_t)(width * height * channels) * element != out_size) {
        copy_message(message, message_size, "output buffer size does not match the data window");
        return EXR_ERR_INVALID_ARGUMENT;
    }
    int32_t lines = 1, tile_width = 0, tile_height = 0, tiles_across = 1;
    if (storage == EXR_STORAGE_SCANLINE) {
        status = exr_get_scanlines_per_chunk(context, part, &lines);
    } else if (storage == EXR_STORAGE_TILED) {
        status = exr_get_tile_sizes(context, part, 0, 0, &tile_width, &tile_height);
        if (status == EXR_ERR_SUCCESS && tile_width > 0) tiles_across = (int32_t)((width + tile_width - 1) / tile_width);
    } else {
        copy_message(message, message_size, "deep data is not supported");
        return EXR_ERR_FEATURE_NOT_IMPLEMENTED;
    }
    if (status != EXR_ERR_SUCCESS) return fail(reader, status, message, message_size);

    exr_decode_pipeline_t decoder;
    memset(&decoder, 0, sizeof decoder);
    int initialised = 0;
    uint8_t *scratch = NULL;
    size_t scratch_size = 0;
    // For doubles: whether the sample at each position of a pixel is a uint (else a float).
    uint8_t *is_uint = NULL;
    if (out_type == 3) {
        is_uint = calloc((size_t)channels, 1);
        if (!is_uint) {
            copy_message(message, message_size, "out of memory");
            return EXR_ERR_OUT_OF_MEMORY;
        }
    }
    int result = 0;
    for (int chunk = chunk_begin; chunk < chunk_end && result == 0; chunk++) {
        exr_chunk_info_t info;
        if (storage == EXR_STORAGE_SCANLINE) {
            status = exr_read_scanline_chunk_info(context, part, window.min.y + chunk * lines, &info);
        } else {
            status = exr_read_tile_chunk_info(context, part, chunk % tiles_across, chunk / tiles_across, 0, 0, &info);
        }
        if (status == EXR_ERR_SUCCESS)
            status = initialised ? exr_decoding_update(context, part, &info, &decoder)
                                 : exr_decoding_initialize(context, part, &info, &decoder);
        if (status != EXR_ERR_SUCCESS) {
            result = fail(reader, status, message, message_size);
            break;
        }
        initialised = 1;
        // Scanline chunks give absolute coordinates; tile positions follow from the tile index.
        int64_t x0 = info.start_x - window.min.x, y0 = info.start_y - window.min.y;
        if (storage == EXR_STORAGE_TILED) {
            x0 = (int64_t)(chunk % tiles_across) * tile_width;
            y0 = (int64_t)(chunk / tiles_across) * tile_height;
        }
        if (x0 < 0 || y0 < 0 || x0 + info.width > width || y0 + info.height > height) {
            copy_message(message, message_size, "chunk lies outside the data window");
            result = EXR_ERR_CORRUPT_CHUNK;
            break;
        }
        uint8_t *target = out;
        int64_t line_stride = width * channels;
        if (out_type == 3) {
            // Decode this chunk's floats compactly, widen to doubles below.
            size_t needed = (size_t)info.width * (size_t)info.height * (size_t)channels;
            if (needed > scratch_size) {
                free(scratch);
                scratch = malloc(needed * 4);
                scratch_size = scratch ? needed : 0;
                if (!scratch) {
                    copy_message(message, message_size, "out of memory");
                    result = EXR_ERR_OUT_OF_MEMORY;
                    break;
                }
            }
            target = scratch;
            line_stride = info.width * channels;
            x0 = 0;
            y0 = 0;
        }
        for (int c = 0; c < decoder.channel_count; c++) {
            exr_coding_channel_info_t *channel = &decoder.channels[c];
            int position = c < position_count ? positions[c] : -1;
            if (position < 0 || position >= channels || channel->x_samples != 1 || channel->y_samples != 1) {
                channel->decode_to_ptr = NULL;
                continue;
            }
            int decode_type = out_type;
            if (out_type == 3) {
                decode_type = channel->data_type == EXR_PIXEL_UINT ? EXR_PIXEL_UINT : EXR_PIXEL_FLOAT;
                is_uint[position] = decode_type == EXR_PIXEL_UINT;
            }
            size_t decode_element = sample_size(decode_type);
            channel->decode_to_ptr = target + ((y0 * line_stride) + x0 * channels + position) * (int64_t)decode_element;
            channel->user_pixel_stride = (int32_t)(channels * decode_element);
            channel->user_line_stride = (int32_t)(line_stride * decode_element);
            channel->user_bytes_per_element = (int16_t)decode_element;
            channel->user_data_type = (uint16_t)decode_type;
        }
        status = exr_decoding_choose_default_routines(context, part, &decoder);
        // A chunk whose packed size equals its unpacked size is stored raw (writers do that when
        // compressing would not make it smaller). OpenEXRCore 3.1 still runs the B44 decompressor
        // on such a chunk, in place, which garbles it (later releases copy it as for the other
        // codecs): the raw bytes need no decompression.
        if (status == EXR_ERR_SUCCESS &&
            (compression == EXR_COMPRESSION_B44 || compression == EXR_COMPRESSION_B44A) &&
            decoder.chunk.packed_size == decoder.chunk.unpacked_size)
            decoder.decompress_fn = NULL;
        if (status == EXR_ERR_SUCCESS && compression == EXR_COMPRESSION_PIZ && decoder.decompress_fn &&
            !reader->library_piz && atomic_load(&piz_decompress_hook) &&
            piz_hooks_apply(decoder.channels, decoder.channel_count))
            decoder.decompress_fn = piz_decompress_chunk;
        if (status == EXR_ERR_SUCCESS) status = exr_decoding_run(context, part, &decoder);
        if (status != EXR_ERR_SUCCESS) {
            result = fail(reader, status, message, message_size);
            break;
        }
        if (out_type == 3) {
            double *doubles = (double *)out;
            int64_t cx0 = info.start_x - window.min.x, cy0 = info.start_y - window.min.y;
            if (storage == EXR_STORAGE_TILED) {
                cx0 = (int64_t)(chunk % tiles_across) * tile_width;
                cy0 = (int64_t)(chunk / tiles_across) * tile_height;
            }
            for (int64_t y = 0; y < info.height; y++) {
                for (int64_t i = 0; i < (int64_t)info.width * channels; i++) {
                    const uint8_t *sample = scratch + (y * info.width * channels + i) * 4;
                    double value;
                    if (is_uint[i % channels]) {
                        uint32_t word;
                        memcpy(&word, sample, 4);
                        value = word;
                    } else {
                        float real;
                        memcpy(&real, sample, 4);
                        value = real;
                    }
                    doubles[(cy0 + y) * width * channels + cx0 * channels + i] = value;
                }
            }
        }
    }
    if (initialised) exr_decoding_destroy(context, &decoder);
    free(scratch);
    free(is_uint);
    return result;
}

// MARK: - Writing

typedef struct {
    uint8_t *bytes;
    size_t size;
    int y;
} stored_chunk;

struct immetaio_exr_writer {
    exr_context_t context;
    /// The same header with random line order, never written anywhere: OpenEXRCore checks that
    /// chunks are encoded in file order unless the line order is random, so chunks are encoded
    /// in parallel against this context and written in order through `context`.
    exr_context_t scratch;
    uint8_t *file;
    size_t file_size;
    size_t file_capacity;
    int width, height, channels, pixel_type, compression;
    char names[64][256];
    int lines_per_chunk;
    int chunk_count;
    stored_chunk *chunks;
    pthread_mutex_t lock;
    char last_error[256];
    int library_piz;
};

void immetaio_exr_reader_use_library_piz(immetaio_exr_reader *reader) { reader->library_piz = 1; }
void immetaio_exr_writer_use_library_piz(immetaio_exr_writer *writer) { writer->library_piz = 1; }

static void writer_error(exr_const_context_t context, exr_result_t code, const char *text) {
    void *user = NULL;
    if (exr_get_user_data(context, &user) != EXR_ERR_SUCCESS || !user) return;
    immetaio_exr_writer *writer = user;
    pthread_mutex_lock(&writer->lock);
    snprintf(writer->last_error, sizeof writer->last_error, "%s (%s)", text ? text : "error",
             exr_get_error_code_as_string(code));
    pthread_mutex_unlock(&writer->lock);
}

static int64_t writer_write(exr_const_context_t context, void *user, const void *buffer, uint64_t size, uint64_t offset,
                            exr_stream_error_func_ptr_t error) {
    (void)context;
    (void)error;
    immetaio_exr_writer *writer = user;
    uint64_t end = offset + size;
    if (end > writer->file_capacity) {
        size_t capacity = writer->file_capacity ? writer->file_capacity : 1 << 16;
        while (capacity < end) capacity *= 2;
        uint8_t *grown = realloc(writer->file, capacity);
        if (!grown) return -1;
        writer->file = grown;
        writer->file_capacity = capacity;
    }
    memcpy(writer->file + offset, buffer, (size_t)size);
    if (end > writer->file_size) writer->file_size = (size_t)end;
    return (int64_t)size;
}

static int64_t discard_write(exr_const_context_t context, void *user, const void *buffer, uint64_t size, uint64_t offset,
                             exr_stream_error_func_ptr_t error) {
    (void)context;
    (void)user;
    (void)buffer;
    (void)offset;
    (void)error;
    return (int64_t)size;
}

static exr_result_t start_context(immetaio_exr_writer *writer, exr_context_t *context, exr_write_func_ptr_t write,
                                  exr_lineorder_t line_order, int compression, int zip_level, float dwa_level) {
    exr_context_initializer_t init;
    memset(&init, 0, sizeof init);
    init.size = sizeof init;
    init.error_handler_fn = writer_error;
    init.user_data = writer;
    init.write_fn = write;
    init.zip_level = -2;
    init.dwa_quality = -1.f;
    int part = 0;
    exr_result_t status = exr_start_write(context, "<memory>", EXR_WRITE_FILE_DIRECTLY, &init);
    if (status == EXR_ERR_SUCCESS) status = exr_add_part(*context, "", EXR_STORAGE_SCANLINE, &part);
    if (status == EXR_ERR_SUCCESS)
        status = exr_initialize_required_attr(
            *context, part, &(exr_attr_box2i_t){{0, 0}, {writer->width - 1, writer->height - 1}},
            &(exr_attr_box2i_t){{0, 0}, {writer->width - 1, writer->height - 1}}, 1.f, &(exr_attr_v2f_t){0.f, 0.f}, 1.f,
            line_order, (exr_compression_t)compression);
    for (int c = 0; c < writer->channels && status == EXR_ERR_SUCCESS; c++) {
        status = exr_add_channel(*context, part, writer->names[c], (exr_pixel_type_t)writer->pixel_type,
                                 EXR_PERCEPTUALLY_LOGARITHMIC, 1, 1);
    }
    if (status == EXR_ERR_SUCCESS && zip_level >= 0) status = exr_set_zip_compression_level(*context, part, zip_level);
    if (status == EXR_ERR_SUCCESS && dwa_level >= 0) status = exr_set_dwa_compression_level(*context, part, dwa_level);
    if (status == EXR_ERR_SUCCESS) status = exr_write_header(*context);
    return status;
}

static int writer_fail(immetaio_exr_writer *writer, exr_result_t status, char *message, size_t message_size) {
    copy_last_error(&writer->lock, writer->last_error, status, message, message_size);
    return status ? (int)status : (int)EXR_ERR_UNKNOWN;
}

immetaio_exr_writer *immetaio_exr_writer_create(int width, int height, int channels, const char *const *names,
                                                int pixel_type, int compression, int zip_level, float dwa_level,
                                                char *message, size_t message_size) {
    immetaio_exr_writer *writer = calloc(1, sizeof *writer);
    if (!writer) {
        copy_message(message, message_size, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&writer->lock, NULL);
    writer->width = width;
    writer->height = height;
    writer->channels = channels;
    writer->pixel_type = pixel_type;
    writer->compression = compression;
    if (channels < 1 || channels > 64) {
        copy_message(message, message_size, "1 to 64 channels can be written");
        immetaio_exr_writer_free(writer);
        return NULL;
    }
    for (int c = 0; c < channels; c++) snprintf(writer->names[c], sizeof writer->names[c], "%s", names[c]);
    int part = 0;
    exr_result_t status = start_context(writer, &writer->context, writer_write, EXR_LINEORDER_INCREASING_Y, compression,
                                        zip_level, dwa_level);
    if (status == EXR_ERR_SUCCESS)
        status = start_context(writer, &writer->scratch, discard_write, EXR_LINEORDER_RANDOM_Y, compression, zip_level,
                               dwa_level);
    if (status == EXR_ERR_SUCCESS) status = exr_get_scanlines_per_chunk(writer->context, part, &writer->lines_per_chunk);
    if (status == EXR_ERR_SUCCESS) status = exr_get_chunk_count(writer->context, part, &writer->chunk_count);
    if (status == EXR_ERR_SUCCESS) {
        writer->chunks = calloc((size_t)writer->chunk_count, sizeof(stored_chunk));
        if (!writer->chunks) status = EXR_ERR_OUT_OF_MEMORY;
    }
    if (status != EXR_ERR_SUCCESS) {
        writer_fail(writer, status, message, message_size);
        immetaio_exr_writer_free(writer);
        return NULL;
    }
    return writer;
}

int immetaio_exr_writer_chunk_count(const immetaio_exr_writer *writer) { return writer->chunk_count; }

/// Keeps a compressed chunk instead of writing it, so chunks compress in parallel and are
/// written in order afterwards.
static exr_result_t keep_chunk(exr_encode_pipeline_t *encoder) {
    stored_chunk *slot = encoder->encoding_user_data;
    if (slot->bytes) return EXR_ERR_SUCCESS;  // compressed straight into place by piz_compress_chunk
    // Readers take a chunk whose size equals its unpacked size as stored raw. OpenEXRCore 3.1
    // can produce compressed data of exactly that size, which would then be misread: store the
    // packed (raw) bytes instead, which is what such a chunk means.
    const void *source = encoder->compressed_buffer;
    size_t size = encoder->compressed_bytes;
    if (size >= encoder->packed_bytes && encoder->packed_buffer) {
        source = encoder->packed_buffer;
        size = (size_t)encoder->packed_bytes;
    }
    slot->bytes = malloc(size ? size : 1);
    if (!slot->bytes) return EXR_ERR_OUT_OF_MEMORY;
    memcpy(slot->bytes, source, size);
    slot->size = size;
    return EXR_ERR_SUCCESS;
}

/// Compresses a chunk with the PIZ hook straight into its slot (raw when that is not smaller).
static exr_result_t piz_compress_chunk(exr_encode_pipeline_t *encoder) {
    stored_chunk *slot = encoder->encoding_user_data;
    immetaio_exr_plane planes[64];
    immetaio_exr_piz_compress_fn hook = atomic_load(&piz_compress_hook);
    if (!hook || encoder->channel_count > 64 || piz_planes(encoder->channels, encoder->channel_count, planes) != 0)
        return EXR_ERR_INVALID_ARGUMENT;
    size_t raw = (size_t)encoder->packed_bytes;
    slot->bytes = malloc(raw ? raw : 1);
    if (!slot->bytes) return EXR_ERR_OUT_OF_MEMORY;
    size_t size = raw ? hook(encoder->packed_buffer, raw, slot->bytes, raw, planes, encoder->channel_count) : 0;
    if (size == 0 || size >= raw) {
        memcpy(slot->bytes, encoder->packed_buffer, raw);
        size = raw;
    }
    slot->size = size;
    encoder->compressed_bytes = size;
    return EXR_ERR_SUCCESS;
}

int immetaio_exr_encode(immetaio_exr_writer *writer, const void *pixels, int chunk_begin, int chunk_end,
                        char *message, size_t message_size) {
    exr_encode_pipeline_t encoder;
    memset(&encoder, 0, sizeof encoder);
    int initialised = 0;
    int result = 0;
    size_t element = writer->pixel_type == EXR_PIXEL_HALF ? 2 : 4;
    for (int chunk = chunk_begin; chunk < chunk_end && result == 0; chunk++) {
        // exr_write_scanline_chunk_info insists on chunks in file order, so compressing them out
        // of order (in parallel) needs the chunk's description filled in here; the writes later
        // go through the library in order.
        exr_chunk_info_t info;
        memset(&info, 0, sizeof info);
        int y = chunk * writer->lines_per_chunk;
        int lines = writer->height - y < writer->lines_per_chunk ? writer->height - y : writer->lines_per_chunk;
        info.idx = chunk;
        info.type = (uint8_t)EXR_STORAGE_SCANLINE;
        info.compression = (uint8_t)writer->compression;
        info.start_x = 0;
        info.start_y = y;
        info.width = writer->width;
        info.height = lines;
        info.unpacked_size = (uint64_t)lines * (uint64_t)writer->width * (uint64_t)writer->channels * element;
        exr_result_t status = EXR_ERR_SUCCESS;
        if (status == EXR_ERR_SUCCESS)
            status = initialised ? exr_encoding_update(writer->scratch, 0, &info, &encoder)
                                 : exr_encoding_initialize(writer->scratch, 0, &info, &encoder);
        if (status != EXR_ERR_SUCCESS) {
            result = writer_fail(writer, status, message, message_size);
            break;
        }
        initialised = 1;
        // The library lists channels sorted by name; find each one's place in our pixels.
        for (int c = 0; c < encoder.channel_count; c++) {
            exr_coding_channel_info_t *channel = &encoder.channels[c];
            int position = -1;
            for (int k = 0; k < writer->channels; k++) {
                if (channel->channel_name && strcmp(channel->channel_name, writer->names[k]) == 0) position = k;
            }
            if (position < 0) {
                copy_message(message, message_size, "channel list mismatch");
                result = EXR_ERR_INVALID_ARGUMENT;
                break;
            }
            channel->encode_from_ptr = (const uint8_t *)pixels +
                ((size_t)info.start_y * (size_t)writer->width * (size_t)writer->channels + (size_t)position) * element;
            channel->user_pixel_stride = (int32_t)(writer->channels * element);
            channel->user_line_stride = (int32_t)((size_t)writer->width * writer->channels * element);
            channel->user_bytes_per_element = (int16_t)element;
            channel->user_data_type = (uint16_t)writer->pixel_type;
        }
        if (result != 0) break;
        status = exr_encoding_choose_default_routines(writer->scratch, 0, &encoder);
        writer->chunks[chunk].y = y;
        encoder.encoding_user_data = &writer->chunks[chunk];
        encoder.write_fn = keep_chunk;
        if (status == EXR_ERR_SUCCESS && writer->compression == EXR_COMPRESSION_PIZ && !writer->library_piz &&
            atomic_load(&piz_compress_hook) && piz_hooks_apply(encoder.channels, encoder.channel_count))
            encoder.compress_fn = piz_compress_chunk;
        if (status == EXR_ERR_SUCCESS) status = exr_encoding_run(writer->scratch, 0, &encoder);
        if (status != EXR_ERR_SUCCESS) result = writer_fail(writer, status, message, message_size);
    }
    if (initialised) exr_encoding_destroy(writer->scratch, &encoder);
    return result;
}

int immetaio_exr_writer_finish(immetaio_exr_writer *writer, const uint8_t **bytes, size_t *size, char *message,
                               size_t message_size) {
    for (int chunk = 0; chunk < writer->chunk_count; chunk++) {
        stored_chunk *slot = &writer->chunks[chunk];
        if (!slot->bytes) {
            copy_message(message, message_size, "a chunk was not encoded");
            return EXR_ERR_INCORRECT_CHUNK;
        }
        exr_result_t status = exr_write_scanline_chunk(writer->context, 0, slot->y, slot->bytes, slot->size);
        free(slot->bytes);
        slot->bytes = NULL;
        if (status != EXR_ERR_SUCCESS) return writer_fail(writer, status, message, message_size);
    }
    exr_result_t status = exr_finish(&writer->context);
    writer->context = NULL;
    if (status != EXR_ERR_SUCCESS) return writer_fail(writer, status, message, message_size);
    *bytes = writer->file;
    *size = writer->file_size;
    return 0;
}

void immetaio_exr_writer_free(immetaio_exr_writer *writer) {
    if (!writer) return;
    if (writer->context) exr_finish(&writer->context);
    if (writer->scratch) exr_finish(&writer->scratch);
    if (writer->chunks) {
        for (int chunk = 0; chunk < writer->chunk_count; chunk++) free(writer->chunks[chunk].bytes);
        free(writer->chunks);
    }
    free(writer->file);
    pthread_mutex_destroy(&writer->lock);
    free(writer);
}
