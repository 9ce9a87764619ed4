#include "CFFmpegShims.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>

int immetaio_averror_eof(void) { return AVERROR_EOF; }
int immetaio_averror_eagain(void) { return AVERROR(EAGAIN); }
int immetaio_averror_enomem(void) { return AVERROR(ENOMEM); }
int immetaio_averror_eio(void) { return AVERROR(EIO); }
int immetaio_averror_einval(void) { return AVERROR(EINVAL); }
int immetaio_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
int immetaio_averror_encoder_not_found(void) { return AVERROR_ENCODER_NOT_FOUND; }
int immetaio_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
int immetaio_averror_exit(void) { return AVERROR_EXIT; }
int64_t immetaio_av_nopts_value(void) { return AV_NOPTS_VALUE; }

struct AVIOContext *immetaio_avio_alloc_writer(
    unsigned char *buffer, int size, void *opaque, int (*write_packet)(void *opaque, const uint8_t *buffer, int size),
    int64_t (*seek)(void *opaque, int64_t offset, int whence)) {
    // The two callback types differ only in the buffer's constness.
    return avio_alloc_context(buffer, size, 1, opaque, NULL, (void *)write_packet, seek);
}

static immetaio_av_log_sink log_sink = NULL;

// FFmpeg calls this with a va_list, which Swift cannot take apart: format the line here.
// A message may arrive in pieces without a newline; FFmpeg's own `print_prefix` state says
// whether the next piece starts a line. Per thread, since codec threads log concurrently.
static void log_trampoline(void *context, int level, const char *format, va_list arguments) {
    static _Thread_local int print_prefix = 1;
    if (level > av_log_get_level() || log_sink == NULL) return;
    char line[1024];
    av_log_format_line2(context, level, format, arguments, line, (int)sizeof line, &print_prefix);
    log_sink(level, line);
}

void immetaio_av_log_install(immetaio_av_log_sink sink, int max_level) {
    log_sink = sink;
    av_log_set_level(max_level);
    av_log_set_callback(log_trampoline);
}
