#include "common/logging.h"

#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace brisk {

void InitLogging(const std::string& level) {
  static auto logger = spdlog::stderr_color_mt("brisk");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace brisk
