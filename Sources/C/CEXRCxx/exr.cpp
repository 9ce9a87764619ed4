// OpenEXR's C++ library, for the DWA codecs that OpenEXRCore 3.1 (the C library the plugin
// otherwise uses) lacks. Exceptions are caught here and become error messages.
#include "CEXRCxx.h"

#include <OpenEXR/ImfChannelList.h>
#include <OpenEXR/ImfFrameBuffer.h>
#include <OpenEXR/ImfHeader.h>
#include <OpenEXR/ImfIO.h>
#include <OpenEXR/ImfInputPart.h>
#include <OpenEXR/ImfMultiPartInputFile.h>
#include <OpenEXR/ImfOutputFile.h>
#include <OpenEXR/ImfRgbaFile.h>
#include <OpenEXR/ImfThreading.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace {

/// An input stream over bytes already in memory (no copy; memory-mapped reads hand out pointers).
class MemoryStream final : public OPENEXR_IMF_NAMESPACE::IStream {
  public:
    MemoryStream(const char *data, uint64_t size) : IStream("<memory>"), data_(data), size_(size), position_(0) {}

    bool isMemoryMapped() const override { return true; }

    char *readMemoryMapped(int n) override {
        if (n < 0 || position_ + static_cast<uint64_t>(n) > size_) throw std::runtime_error("read past the end of the file");
        char *result = const_cast<char *>(data_ + position_);
        position_ += static_cast<uint64_t>(n);
        return result;
    }

    bool read(char c[], int n) override {
        if (n < 0 || position_ + static_cast<uint64_t>(n) > size_) throw std::runtime_error("read past the end of the file");
        std::memcpy(c, data_ + position_, static_cast<size_t>(n));
        position_ += static_cast<uint64_t>(n);
        return position_ < size_;
    }

    uint64_t tellg() override { return position_; }
    void seekg(uint64_t position) override { position_ = position; }

  private:
    const char *data_;
    uint64_t size_;
    uint64_t position_;
};

/// An output stream into a growable memory buffer.
class MemoryOutput final : public OPENEXR_IMF_NAMESPACE::OStream {
  public:
    MemoryOutput() : OStream("<memory>"), position_(0) {}

    void write(const char c[], int n) override {
        if (n < 0) throw std::runtime_error("negative write");
        if (position_ + static_cast<uint64_t>(n) > bytes_.size()) bytes_.resize(position_ + static_cast<uint64_t>(n));
        std::memcpy(bytes_.data() + position_, c, static_cast<size_t>(n));
        position_ += static_cast<uint64_t>(n);
    }

    uint64_t tellp() override { return position_; }
    void seekp(uint64_t position) override { position_ = position; }
    const std::vector<char> &bytes() const { return bytes_; }

  private:
    std::vector<char> bytes_;
    uint64_t position_;
};

std::once_flag threadSetup;

/// Whether every header attribute fits in the file. The C++ library allocates an attribute's
/// declared size before reading it (1.6 GB for a 1 KB file found by fuzzing), while OpenEXRCore,
/// which parsed the header first, tolerates such an attribute; check before handing it over.
bool attributesFit(const unsigned char *data, size_t size) {
    if (size < 8) return false;
    const bool multiPart = (data[5] & 0x10) != 0;  // version flags bit 12
    size_t position = 8;
    for (;;) {
        if (position >= size) return false;
        if (data[position] == 0) {  // the end of a header
            position += 1;
            if (!multiPart) return true;
            if (position >= size) return false;
            if (data[position] == 0) return true;  // an empty header ends the list
            continue;
        }
        for (int text = 0; text < 2; text++) {  // the attribute's name, then its type
            const void *end = std::memchr(data + position, 0, std::min<size_t>(size - position, 256));
            if (!end) return false;
            position = static_cast<size_t>(static_cast<const unsigned char *>(end) - data) + 1;
        }
        if (size - position < 4) return false;
        const uint32_t length = static_cast<uint32_t>(data[position]) | static_cast<uint32_t>(data[position + 1]) << 8 |
                                static_cast<uint32_t>(data[position + 2]) << 16 |
                                static_cast<uint32_t>(data[position + 3]) << 24;
        position += 4;
        if (length > size - position) return false;  // also rejects negative sizes
        position += length;
    }
}

}  // namespace

int immetaio_exr_cxx_decode(const void *data, size_t size, int part, int channels, const char *const *names,
                            int pixel_type, void *out, size_t out_size, int threads, char *message,
                            size_t message_size) {
    try {
        std::call_once(threadSetup, [threads] { OPENEXR_IMF_NAMESPACE::setGlobalThreadCount(threads); });
        if (!attributesFit(static_cast<const unsigned char *>(data), size))
            throw std::runtime_error("a header attribute is larger than the file");
        MemoryStream stream(static_cast<const char *>(data), size);
        OPENEXR_IMF_NAMESPACE::MultiPartInputFile file(stream, OPENEXR_IMF_NAMESPACE::globalThreadCount());
        if (part < 0 || part >= file.parts()) throw std::runtime_error("no such part");
        OPENEXR_IMF_NAMESPACE::InputPart input(file, part);
        const IMATH_NAMESPACE::Box2i window = input.header().dataWindow();
        const int64_t width = static_cast<int64_t>(window.max.x) - window.min.x + 1;
        const int64_t height = static_cast<int64_t>(window.max.y) - window.min.y + 1;
        const size_t element = pixel_type == 1 ? 2 : 4;
        if (width <= 0 || height <= 0 || static_cast<size_t>(width * height * channels) * element != out_size)
            throw std::runtime_error("output buffer does not match the data window");
        const auto type = pixel_type == 1 ? OPENEXR_IMF_NAMESPACE::HALF : OPENEXR_IMF_NAMESPACE::FLOAT;
        const size_t pixelStride = element * static_cast<size_t>(channels);
        const size_t lineStride = pixelStride * static_cast<size_t>(width);
        // Slices are addressed by absolute pixel coordinates: shift the base by the window origin.
        char *origin = static_cast<char *>(out) - static_cast<int64_t>(window.min.x) * static_cast<int64_t>(pixelStride) -
                       static_cast<int64_t>(window.min.y) * static_cast<int64_t>(lineStride);
        OPENEXR_IMF_NAMESPACE::FrameBuffer frame;
        for (int c = 0; c < channels; c++) {
            frame.insert(names[c], OPENEXR_IMF_NAMESPACE::Slice(type, origin + c * element, pixelStride, lineStride));
        }
        input.setFrameBuffer(frame);
        input.readPixels(window.min.y, window.max.y);
        return 0;
    } catch (const std::exception &error) {
        if (message && message_size) std::snprintf(message, message_size, "%s", error.what());
    } catch (...) {
        if (message && message_size) std::snprintf(message, message_size, "unknown OpenEXR error");
    }
    return -1;
}

int immetaio_exr_cxx_decode_luminance_chroma(const void *data, size_t size, int channels, void *out, size_t out_size,
                                             int threads, char *message, size_t message_size) {
    try {
        std::call_once(threadSetup, [threads] { OPENEXR_IMF_NAMESPACE::setGlobalThreadCount(threads); });
        if (!attributesFit(static_cast<const unsigned char *>(data), size))
            throw std::runtime_error("a header attribute is larger than the file");
        if (channels != 3 && channels != 4) throw std::runtime_error("3 or 4 output channels");
        MemoryStream stream(static_cast<const char *>(data), size);
        OPENEXR_IMF_NAMESPACE::RgbaInputFile file(stream, OPENEXR_IMF_NAMESPACE::globalThreadCount());
        const IMATH_NAMESPACE::Box2i window = file.dataWindow();
        const int64_t width = static_cast<int64_t>(window.max.x) - window.min.x + 1;
        const int64_t height = static_cast<int64_t>(window.max.y) - window.min.y + 1;
        if (width <= 0 || height <= 0 || static_cast<size_t>(width * height * channels) * 2 != out_size)
            throw std::runtime_error("output buffer does not match the data window");
        // Bands of rows, each converted from RGBA to the output's channels; the frame buffer is
        // addressed by absolute pixel coordinates, so its base is shifted by the band's origin.
        const int64_t bandRows = std::min<int64_t>(height, 64);
        std::vector<OPENEXR_IMF_NAMESPACE::Rgba> band(static_cast<size_t>(width * bandRows));
        auto *target = static_cast<uint16_t *>(out);
        for (int64_t first = 0; first < height; first += bandRows) {
            const int64_t rows = std::min(bandRows, height - first);
            const int64_t y0 = window.min.y + first;
            file.setFrameBuffer(band.data() - window.min.x - y0 * width, 1, static_cast<size_t>(width));
            file.readPixels(static_cast<int>(y0), static_cast<int>(y0 + rows - 1));
            for (int64_t i = 0; i < rows * width; i++) {
                const OPENEXR_IMF_NAMESPACE::Rgba &pixel = band[static_cast<size_t>(i)];
                uint16_t *to = target + (first * width + i) * channels;
                to[0] = pixel.r.bits();
                to[1] = pixel.g.bits();
                to[2] = pixel.b.bits();
                if (channels == 4) to[3] = pixel.a.bits();
            }
        }
        return 0;
    } catch (const std::exception &error) {
        if (message && message_size) std::snprintf(message, message_size, "%s", error.what());
    } catch (...) {
        if (message && message_size) std::snprintf(message, message_size, "unknown OpenEXR error");
    }
    return -1;
}

int immetaio_exr_cxx_decode_channel(const void *data, size_t size, int part, const char *name, int pixel_type, void *out,
                                    size_t out_size, int threads, char *message, size_t message_size) {
    try {
        std::call_once(threadSetup, [threads] { OPENEXR_IMF_NAMESPACE::setGlobalThreadCount(threads); });
        if (!attributesFit(static_cast<const unsigned char *>(data), size))
            throw std::runtime_error("a header attribute is larger than the file");
        MemoryStream stream(static_cast<const char *>(data), size);
        OPENEXR_IMF_NAMESPACE::MultiPartInputFile file(stream, OPENEXR_IMF_NAMESPACE::globalThreadCount());
        if (part < 0 || part >= file.parts()) throw std::runtime_error("no such part");
        OPENEXR_IMF_NAMESPACE::InputPart input(file, part);
        const OPENEXR_IMF_NAMESPACE::Channel *channel = input.header().channels().findChannel(name);
        if (!channel) throw std::runtime_error("no such channel");
        const IMATH_NAMESPACE::Box2i window = input.header().dataWindow();
        const int64_t width = static_cast<int64_t>(window.max.x) - window.min.x + 1;
        const int64_t height = static_cast<int64_t>(window.max.y) - window.min.y + 1;
        const int xs = channel->xSampling, ys = channel->ySampling;
        const size_t element = pixel_type == 1 ? 2 : 4;
        if (xs < 1 || ys < 1 || width <= 0 || height <= 0 || width % xs || height % ys ||
            static_cast<size_t>(width / xs * (height / ys)) * element != out_size)
            throw std::runtime_error("output buffer does not match the channel's sampled window");
        const auto type = pixel_type == 1 ? OPENEXR_IMF_NAMESPACE::HALF : OPENEXR_IMF_NAMESPACE::FLOAT;
        OPENEXR_IMF_NAMESPACE::FrameBuffer frame;
        frame.insert(name, OPENEXR_IMF_NAMESPACE::Slice::Make(type, out, window, element,
                                                              element * static_cast<size_t>(width / xs), xs, ys));
        input.setFrameBuffer(frame);
        input.readPixels(window.min.y, window.max.y);
        return 0;
    } catch (const std::exception &error) {
        if (message && message_size) std::snprintf(message, message_size, "%s", error.what());
    } catch (...) {
        if (message && message_size) std::snprintf(message, message_size, "unknown OpenEXR error");
    }
    return -1;
}

int immetaio_exr_cxx_encode(const void *pixels, int width, int height, int channels, const char *const *names,
                            int pixel_type, int compression, float dwa_level, int threads, unsigned char **bytes,
                            size_t *size, char *message, size_t message_size) {
    *bytes = nullptr;
    *size = 0;
    try {
        std::call_once(threadSetup, [threads] { OPENEXR_IMF_NAMESPACE::setGlobalThreadCount(threads); });
        if (compression < 0 || compression >= OPENEXR_IMF_NAMESPACE::NUM_COMPRESSION_METHODS)
            throw std::runtime_error("unknown compression");
        OPENEXR_IMF_NAMESPACE::Header header(width, height);
        header.compression() = static_cast<OPENEXR_IMF_NAMESPACE::Compression>(compression);
        if (dwa_level >= 0) header.dwaCompressionLevel() = dwa_level;
        const auto type = pixel_type == 1 ? OPENEXR_IMF_NAMESPACE::HALF : OPENEXR_IMF_NAMESPACE::FLOAT;
        const size_t element = pixel_type == 1 ? 2 : 4;
        const size_t pixelStride = element * static_cast<size_t>(channels);
        const size_t lineStride = pixelStride * static_cast<size_t>(width);
        OPENEXR_IMF_NAMESPACE::FrameBuffer frame;
        for (int c = 0; c < channels; c++) {
            header.channels().insert(names[c], OPENEXR_IMF_NAMESPACE::Channel(type));
            frame.insert(names[c], OPENEXR_IMF_NAMESPACE::Slice(
                                       type, const_cast<char *>(static_cast<const char *>(pixels)) + c * element,
                                       pixelStride, lineStride));
        }
        MemoryOutput output;
        {
            OPENEXR_IMF_NAMESPACE::OutputFile file(output, header, OPENEXR_IMF_NAMESPACE::globalThreadCount());
            file.setFrameBuffer(frame);
            file.writePixels(height);
        }
        const std::vector<char> &result = output.bytes();
        *bytes = static_cast<unsigned char *>(std::malloc(result.size() ? result.size() : 1));
        if (!*bytes) throw std::runtime_error("out of memory");
        std::memcpy(*bytes, result.data(), result.size());
        *size = result.size();
        return 0;
    } catch (const std::exception &error) {
        if (message && message_size) std::snprintf(message, message_size, "%s", error.what());
    } catch (...) {
        if (message && message_size) std::snprintf(message, message_size, "unknown OpenEXR error");
    }
    return -1;
}

void immetaio_exr_cxx_free(unsigned char *bytes) { std::free(bytes); }
