#ifndef IMMETAIO_CFFMPEGSHIMS_H
#define IMMETAIO_CFFMPEGSHIMS_H

#include <stdint.h>

/// FFmpeg's error codes are macros (AVERROR, FFERRTAG) that Swift does not import.
int immetaio_averror_eof(void);
int immetaio_averror_eagain(void);
int immetaio_averror_enomem(void);
int immetaio_averror_eio(void);
int immetaio_averror_einval(void);
int immetaio_averror_invaliddata(void);
int immetaio_averror_encoder_not_found(void);
int immetaio_averror_decoder_not_found(void);
int immetaio_averror_exit(void);
int64_t immetaio_av_nopts_value(void);

struct AVIOContext;

/// avio_alloc_context for writing. FFmpeg 6.1 made the write callback's buffer `const`; taking
/// ours here keeps one Swift callback type for FFmpeg 5 to 7.
struct AVIOContext *immetaio_avio_alloc_writer(
    unsigned char *buffer, int size, void *opaque, int (*write_packet)(void *opaque, const uint8_t *buffer, int size),
    int64_t (*seek)(void *opaque, int64_t offset, int whence));

/// Receives one formatted FFmpeg log line with FFmpeg's level (AV_LOG_*). Called from any thread,
/// including codec threads.
typedef void (*immetaio_av_log_sink)(int level, const char *line);

/// Routes FFmpeg's logging to `sink` (process-wide: FFmpeg has one log callback) and lets through
/// messages up to `max_level`.
void immetaio_av_log_install(immetaio_av_log_sink sink, int max_level);

#endif
