// Framebuffer readback with glReadPixels and PNG encoding with stb_image_write (libstb).
#include "gui/screenshot.h"

#include <cstring>
#include <vector>

#include <GL/gl.h>
#include <stb_image_write.h>

namespace lfm::gui {

Status WriteFramebufferPng(const std::string& path, int width, int height) {
  std::vector<unsigned char> pixels(static_cast<size_t>(width) * height * 3);  // [height, width, 3]
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  if (const GLenum err = glGetError(); err != GL_NO_ERROR) {
    return Error(StatusCode::kInternal, "{}: reading the framebuffer failed (GL error 0x{:x})",
                 path, err);
  }
  // OpenGL's first row is the bottom one; PNG's is the top one.
  const size_t stride = static_cast<size_t>(width) * 3;
  std::vector<unsigned char> row(stride);
  for (int y = 0; y < height / 2; ++y) {
    unsigned char* top = pixels.data() + y * stride;
    unsigned char* bottom = pixels.data() + (height - 1 - y) * stride;
    std::memcpy(row.data(), top, stride);
    std::memcpy(top, bottom, stride);
    std::memcpy(bottom, row.data(), stride);
  }
  if (!stbi_write_png(path.c_str(), width, height, 3, pixels.data(), static_cast<int>(stride))) {
    return Error(StatusCode::kIo, "{}: cannot write the PNG file (check the folder exists and is "
                 "writable)", path);
  }
  return OkStatus();
}

}  // namespace lfm::gui
