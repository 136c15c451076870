// Reading back what the dashboard drew: the current OpenGL framebuffer to a PNG file.
#pragma once

#include <string>

#include "base/status.h"

namespace lfm::gui {

// Reads the back buffer of the current GL context (`width` x `height` pixels, after rendering
// and before the buffer swap) and writes it to `path` as an RGB PNG, top row first. Io naming
// the path when the file cannot be written.
Status WriteFramebufferPng(const std::string& path, int width, int height);

}  // namespace lfm::gui
