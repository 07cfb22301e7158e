#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace wijkwacht::test {

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open fixture " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline std::filesystem::path fixture(const std::string& name) {
    return std::filesystem::path(WIJKWACHT_FIXTURES) / name;
}

// ../shared/fixtures beside the checkout, when it exists.
inline std::filesystem::path shared_fixtures() {
    return std::filesystem::path(WIJKWACHT_SOURCE_DIR).parent_path() / "shared" / "fixtures";
}

} // namespace wijkwacht::test
