// JPEG XR decoding through jxrlib's glue layer. Its functions report failures as negative ERR
// codes, but damaged data can also trip its assert()s (Debian builds keep them) or its memory
// errors; on Linux each decode therefore runs in a child process (see the header).
#include "CJXRShims.h"
#include "shim.h"

#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

static int format_of(const PKPixelFormatGUID *guid, int *bytes_per_pixel) {
    struct { const PKPixelFormatGUID *guid; int format; int bytes; } table[] = {
        { &GUID_PKPixelFormat8bppGray, IMMETAIO_JXR_FORMAT_GRAY8, 1 },
        { &GUID_PKPixelFormat16bppGray, IMMETAIO_JXR_FORMAT_GRAY16, 2 },
        { &GUID_PKPixelFormat32bppGrayFloat, IMMETAIO_JXR_FORMAT_GRAY32_FLOAT, 4 },
        { &GUID_PKPixelFormat24bppBGR, IMMETAIO_JXR_FORMAT_BGR24, 3 },
        { &GUID_PKPixelFormat24bppRGB, IMMETAIO_JXR_FORMAT_RGB24, 3 },
        { &GUID_PKPixelFormat48bppRGB, IMMETAIO_JXR_FORMAT_RGB48, 6 },
        { &GUID_PKPixelFormat32bppBGRA, IMMETAIO_JXR_FORMAT_BGRA32, 4 },
        { &GUID_PKPixelFormat96bppRGBFloat, IMMETAIO_JXR_FORMAT_RGB96_FLOAT, 12 },
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); ++i) {
        if (IsEqualGUID(guid, table[i].guid)) {
            *bytes_per_pixel = table[i].bytes;
            return table[i].format;
        }
    }
    *bytes_per_pixel = 0;
    return IMMETAIO_JXR_FORMAT_UNKNOWN;
}

static int status_of(ERR err, int *jxr_error) {
    *jxr_error = (int)err;
    return err == WMP_errOutOfMemory ? IMMETAIO_JXR_NOMEM : IMMETAIO_JXR_ERROR;
}

/// The decode itself, in whatever process runs it.
static int decode(const uint8_t *data, size_t size, uint8_t *pixels, int width, int height, int bytes_per_pixel,
                  size_t max_pixels, immetaio_jxr_info *info, int *jxr_error) {
    struct WMPStream *stream = NULL;
    PKImageDecode *decoder = NULL;
    uint8_t *scratch = NULL;
    int status = IMMETAIO_JXR_OK;
    // jxrlib's memory stream only reads through this pointer.
    ERR err = CreateWS_Memory(&stream, (void *)data, size);
    if (!Failed(err)) err = PKImageDecode_Create_WMP(&decoder);
    if (!Failed(err)) err = decoder->Initialize(decoder, stream);
    I32 own_width = 0, own_height = 0;
    if (!Failed(err)) err = decoder->GetSize(decoder, &own_width, &own_height);
    PKPixelFormatGUID guid;
    if (!Failed(err)) err = decoder->GetPixelFormat(decoder, &guid);
    if (Failed(err)) {
        status = status_of(err, jxr_error);
        goto done;
    }
    info->width = own_width;
    info->height = own_height;
    info->format = format_of(&guid, &info->bytes_per_pixel);
    if (info->format == IMMETAIO_JXR_FORMAT_UNKNOWN) {
        status = IMMETAIO_JXR_UNSUPPORTED;
        goto done;
    }
    if (info->bytes_per_pixel != bytes_per_pixel) {
        status = IMMETAIO_JXR_FORMAT_MISMATCH;
        goto done;
    }
    if (own_width <= 0 || own_height <= 0) {
        status = status_of(WMP_errInvalidParameter, jxr_error);
        goto done;
    }
    const size_t pixel_bytes = (size_t)bytes_per_pixel;
    const size_t stride = (size_t)width * pixel_bytes;
    PKRect rect = { 0, 0, own_width, own_height };
    if (own_width == width && own_height == height) {
        err = decoder->Copy(decoder, &rect, pixels, (U32)stride);
        if (Failed(err)) status = status_of(err, jxr_error);
        goto done;
    }
    if ((size_t)own_width > max_pixels / (size_t)own_height || (size_t)own_width * pixel_bytes > UINT32_MAX) {
        status = IMMETAIO_JXR_TOO_LARGE;
        goto done;
    }
    const size_t own_stride = (size_t)own_width * pixel_bytes;
    scratch = malloc(own_stride * (size_t)own_height);
    if (scratch == NULL) {
        status = IMMETAIO_JXR_NOMEM;
        goto done;
    }
    err = decoder->Copy(decoder, &rect, scratch, (U32)own_stride);
    if (Failed(err)) {
        status = status_of(err, jxr_error);
        goto done;
    }
    // The caller's size wins: keep the top-left part, zero the rest.
    const size_t rows = (size_t)(own_height < height ? own_height : height);
    const size_t kept = (size_t)(own_width < width ? own_width : width) * pixel_bytes;
    for (size_t y = 0; y < (size_t)height; ++y) {
        uint8_t *row = pixels + y * stride;
        size_t copied = 0;
        if (y < rows) {
            memcpy(row, scratch + y * own_stride, kept);
            copied = kept;
        }
        memset(row + copied, 0, stride - copied);
    }
done:
    free(scratch);
    if (decoder) decoder->Release(&decoder);
    // jxrlib does not own a stream it did not open itself.
    if (stream) stream->Close(&stream);
    return status;
}

#ifdef __linux__
/// What the child leaves in shared memory; `done` is written last.
typedef struct {
    int done;
    int status;
    int jxr_error;
    immetaio_jxr_info info;
} shared_result;

/// Seconds a decode may take before its process is killed.
static const unsigned decode_timeout = 60;

static int decode_isolated(const uint8_t *data, size_t size, uint8_t *pixels, size_t pixels_size, int width, int height,
                           int bytes_per_pixel, size_t max_pixels, immetaio_jxr_info *info, int *jxr_error) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t header = (sizeof(shared_result) + page - 1) / page * page;
    if (pixels_size > SIZE_MAX - header) return IMMETAIO_JXR_TOO_LARGE;
    const size_t total = header + pixels_size;
    void *region = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) return IMMETAIO_JXR_NOMEM;
    shared_result *result = region;
    uint8_t *shared_pixels = (uint8_t *)region + header;
    memset(result, 0, sizeof(*result));
    pid_t child = fork();
    if (child < 0) {
        munmap(region, total);
        return IMMETAIO_JXR_NO_PROCESS;
    }
    if (child == 0) {
        // The child must die quietly and alone: default crash handling (no inherited crash
        // reporters), no core file, no assert message on the caller's terminal, a time limit.
        const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGALRM };
        for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); ++i) signal(fatal[i], SIG_DFL);
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDERR_FILENO);
        alarm(decode_timeout);
        result->status = decode(data, size, shared_pixels, width, height, bytes_per_pixel, max_pixels, &result->info, &result->jxr_error);
        __atomic_store_n(&result->done, 1, __ATOMIC_RELEASE);
        _exit(0);
    }
    // The result is read from shared memory, so a process that ignores SIGCHLD (and cannot
    // collect the child's status) still gets it.
    int wait_status;
    while (waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {}
    int status = IMMETAIO_JXR_CRASHED;
    if (__atomic_load_n(&result->done, __ATOMIC_ACQUIRE)) {
        status = result->status;
        *info = result->info;
        *jxr_error = result->jxr_error;
        if (status == IMMETAIO_JXR_OK) memcpy(pixels, shared_pixels, pixels_size);
    }
    munmap(region, total);
    return status;
}
#endif

int immetaio_jxr_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t pixels_size, int width, int height,
                        int bytes_per_pixel, size_t max_pixels, immetaio_jxr_info *info, int *jxr_error) {
    memset(info, 0, sizeof(*info));
    *jxr_error = 0;
    if (data == NULL || size == 0 || pixels == NULL || width <= 0 || height <= 0 || bytes_per_pixel <= 0) {
        return IMMETAIO_JXR_INVALID_ARGUMENT;
    }
    const size_t row = (size_t)width * (size_t)bytes_per_pixel;
    if (row > UINT32_MAX || (size_t)height > pixels_size / row) return IMMETAIO_JXR_INVALID_ARGUMENT;
#ifdef __linux__
    return decode_isolated(data, size, pixels, row * (size_t)height, width, height, bytes_per_pixel, max_pixels, info, jxr_error);
#else
    return decode(data, size, pixels, width, height, bytes_per_pixel, max_pixels, info, jxr_error);
#endif
}
