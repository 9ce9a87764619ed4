// Pixel decoding through OpenEXR's C++ library, for the DWA codecs that OpenEXRCore 3.1 (the C
// library the plugin otherwise uses) lacks. Exceptions are caught here and become error messages.
#include "CEXRCxx.h"

#include <OpenEXR/ImfChannelList.h>
#include <OpenEXR/ImfFrameBuffer.h>
#include <OpenEXR/ImfHeader.h>
#include <OpenEXR/ImfIO.h>
#include <OpenEXR/ImfInputPart.h>
#include <OpenEXR/ImfMultiPartInputFile.h>
#include <OpenEXR/ImfThreading.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>

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

std::once_flag threadSetup;

}  // namespace

int immetaio_exr_cxx_decode(const void *data, size_t size, int part, int channels, const char *const *names,
                            int pixel_type, void *out, size_t out_size, int threads, char *message,
                            size_t message_size) {
    try {
        std::call_once(threadSetup, [threads] { OPENEXR_IMF_NAMESPACE::setGlobalThreadCount(threads); });
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
