// libjpeg reports fatal errors by calling error_exit, whose default implementation exits the
// process. Here error_exit longjmps back into the C function that called libjpeg; the jump never
// crosses a Swift frame because every setjmp lives in these functions.
#include "CShims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
    size_t message_size;
    int warnings;
    int truncated;
} shim_error_manager;

static void shim_error_exit(j_common_ptr cinfo) {
    shim_error_manager *manager = (shim_error_manager *)cinfo->err;
    if (manager->message && manager->message_size) {
        char buffer[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, buffer);
        snprintf(manager->message, manager->message_size, "%s", buffer);
    }
    longjmp(manager->jump, 1);
}

static void shim_emit_message(j_common_ptr cinfo, int level) {
    shim_error_manager *manager = (shim_error_manager *)cinfo->err;
    if (level < 0) {
        manager->warnings += 1;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) manager->truncated = 1;
    }
}

static void shim_init_errors(shim_error_manager *manager, char *message, size_t message_size) {
    memset(manager, 0, sizeof(*manager));
    jpeg_std_error(&manager->pub);
    manager->pub.error_exit = shim_error_exit;
    manager->pub.emit_message = shim_emit_message;
    manager->message = message;
    manager->message_size = message_size;
    if (message && message_size) message[0] = 0;
}

int immetaio_jpeg_read_header(const unsigned char *data, size_t size, immetaio_jpeg_header *header,
                              char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    shim_error_manager errors;
    shim_init_errors(&errors, message, message_size);
    cinfo.err = &errors.pub;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return IMMETAIO_JPEG_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (errors.truncated) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(message, message_size, "the file ends inside the JPEG header");
        return IMMETAIO_JPEG_TRUNCATED;
    }
    header->width = (int)cinfo.image_width;
    header->height = (int)cinfo.image_height;
    header->num_components = cinfo.num_components;
    header->jpeg_color_space = (int)cinfo.jpeg_color_space;
    header->precision = cinfo.data_precision;
    header->progressive = cinfo.progressive_mode ? 1 : 0;
    header->arithmetic = cinfo.arith_code ? 1 : 0;
    header->saw_adobe = cinfo.saw_Adobe_marker ? 1 : 0;
    header->adobe_transform = cinfo.Adobe_transform;
    header->saw_jfif = cinfo.saw_JFIF_marker ? 1 : 0;
    header->density_unit = cinfo.density_unit;
    header->x_density = cinfo.X_density;
    header->y_density = cinfo.Y_density;
    jpeg_destroy_decompress(&cinfo);
    return IMMETAIO_JPEG_OK;
}

int immetaio_jpeg_decode(const unsigned char *data, size_t size, int out_color_space,
                         unsigned char *pixels, size_t pixels_size, int *warnings,
                         char *message, size_t message_size) {
    return immetaio_jpeg_decode_as(data, size, 0, out_color_space, pixels, pixels_size, warnings, message,
                                   message_size);
}

int immetaio_jpeg_decode_as(const unsigned char *data, size_t size, int jpeg_color_space, int out_color_space,
                            unsigned char *pixels, size_t pixels_size, int *warnings,
                            char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    shim_error_manager errors;
    shim_init_errors(&errors, message, message_size);
    cinfo.err = &errors.pub;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        *warnings = errors.warnings;
        return IMMETAIO_JPEG_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (jpeg_color_space > 0) cinfo.jpeg_color_space = (J_COLOR_SPACE)jpeg_color_space;
    cinfo.out_color_space = (J_COLOR_SPACE)out_color_space;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    size_t row_bytes = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (row_bytes * cinfo.output_height != pixels_size) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(message, message_size, "decoded size %zu differs from the buffer's %zu",
                 row_bytes * cinfo.output_height, pixels_size);
        return IMMETAIO_JPEG_ERROR;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[16];
        int count = 0;
        for (; count < 16 && cinfo.output_scanline + count < cinfo.output_height; count++) {
            rows[count] = pixels + (size_t)(cinfo.output_scanline + count) * row_bytes;
        }
        jpeg_read_scanlines(&cinfo, rows, (JDIMENSION)count);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *warnings = errors.warnings;
    if (errors.truncated) {
        snprintf(message, message_size, "the JPEG data ends before the image does (truncated file)");
        return IMMETAIO_JPEG_TRUNCATED;
    }
    return IMMETAIO_JPEG_OK;
}

int immetaio_jpeg_encode(const unsigned char *pixels, int width, int height, int components,
                         int quality, int h_sampling, int v_sampling, int progressive,
                         int optimize, unsigned char **output, unsigned long *output_size,
                         char *message, size_t message_size) {
    return immetaio_jpeg_encode_as(pixels, width, height, components, 0, quality, h_sampling, v_sampling,
                                   progressive, optimize, output, output_size, message, message_size);
}

int immetaio_jpeg_encode_as(const unsigned char *pixels, int width, int height, int components,
                            int jpeg_color_space, int quality, int h_sampling, int v_sampling,
                            int progressive, int optimize, unsigned char **output,
                            unsigned long *output_size, char *message, size_t message_size) {
    struct jpeg_compress_struct cinfo;
    shim_error_manager errors;
    shim_init_errors(&errors, message, message_size);
    cinfo.err = &errors.pub;
    *output = NULL;
    *output_size = 0;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&cinfo);
        if (*output) { free(*output); *output = NULL; }
        return IMMETAIO_JPEG_ERROR;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, output, output_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    if (jpeg_color_space > 0) jpeg_set_colorspace(&cinfo, (J_COLOR_SPACE)jpeg_color_space);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.dct_method = JDCT_ISLOW;
    if (components == 3 && cinfo.jpeg_color_space == JCS_YCbCr) {
        cinfo.comp_info[0].h_samp_factor = h_sampling;
        cinfo.comp_info[0].v_samp_factor = v_sampling;
        cinfo.comp_info[1].h_samp_factor = 1;
        cinfo.comp_info[1].v_samp_factor = 1;
        cinfo.comp_info[2].h_samp_factor = 1;
        cinfo.comp_info[2].v_samp_factor = 1;
    }
    if (optimize) cinfo.optimize_coding = TRUE;
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * (size_t)components;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[16];
        int count = 0;
        for (; count < 16 && cinfo.next_scanline + count < cinfo.image_height; count++) {
            rows[count] = (JSAMPROW)(pixels + (size_t)(cinfo.next_scanline + count) * row_bytes);
        }
        jpeg_write_scanlines(&cinfo, rows, (JDIMENSION)count);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return IMMETAIO_JPEG_OK;
}

void immetaio_jpeg_free(unsigned char *buffer) { free(buffer); }

#define IMMETAIO_TEXT(x) #x
#define IMMETAIO_EXPANDED_TEXT(x) IMMETAIO_TEXT(x)

const char *immetaio_jpeg_library_version(void) {
#ifdef LIBJPEG_TURBO_VERSION
    return IMMETAIO_EXPANDED_TEXT(LIBJPEG_TURBO_VERSION);
#else
    return "";
#endif
}

int immetaio_jpeg_sample_bits(void) { return BITS_IN_JSAMPLE; }
