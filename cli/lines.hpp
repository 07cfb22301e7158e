#pragma once

// Line-oriented input processed on all cores: the input is cut into chunks
// of whole lines, each chunk is worked on by a thread of its own, and the
// results are handed to `sink` in input order, so output stays ordered.

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <string>
#include <string_view>
#include <thread>

namespace wijkwacht::cli {

// Calls `fn(line, number)` for each line of `chunk` (numbers from `first`).
template <typename Fn> void each_line(std::string_view chunk, std::size_t first, Fn&& fn) {
    std::size_t number = first;
    while (!chunk.empty()) {
        const auto nl = chunk.find('\n');
        const auto line = chunk.substr(0, nl);
        fn(line, number++);
        if (nl == std::string_view::npos)
            break;
        chunk.remove_prefix(nl + 1);
    }
}

template <typename Result>
void for_each_chunk(std::FILE* in, const std::function<Result(std::string_view, std::size_t)>& work,
                    const std::function<void(Result&&)>& sink) {
    constexpr std::size_t k_block = 1 << 20;
    const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
    std::deque<std::future<Result>> pending;
    std::string carry;
    std::size_t line = 1;
    const auto launch = [&](std::string chunk) {
        const std::size_t first = line;
        line += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
        pending.push_back(std::async(
            std::launch::async, [&work, first, c = std::move(chunk)] { return work(c, first); }));
        while (pending.size() > 2 * threads) {
            sink(pending.front().get());
            pending.pop_front();
        }
    };
    std::string block(k_block, '\0');
    while (true) {
        const std::size_t n = std::fread(block.data(), 1, block.size(), in);
        if (n == 0)
            break;
        const std::string_view data(block.data(), n);
        const auto last = data.rfind('\n');
        if (last == std::string_view::npos) {
            carry.append(data);
            continue;
        }
        std::string chunk = std::move(carry);
        chunk.append(data.substr(0, last + 1));
        carry.assign(data.substr(last + 1));
        launch(std::move(chunk));
    }
    if (!carry.empty())
        launch(std::move(carry));
    while (!pending.empty()) {
        sink(pending.front().get());
        pending.pop_front();
    }
}

} // namespace wijkwacht::cli
