#pragma once

// Errors. Exceptions are for start-up, configuration and broken invariants;
// expected run-time failures (network, HTTP status, malformed payload) are
// values: Result<T> holds either a T or a Failure the scheduler can act on.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace wijkwacht {

// A failure that should stop the program with one clear line.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bad configuration or rule files: every problem found, each formatted as
// "file:line: key: message" or "file:line:col: message". Exit code 2.
class ConfigError : public Error {
public:
    explicit ConfigError(std::vector<std::string> problems);
    const std::vector<std::string>& problems() const { return m_problems; }

private:
    std::vector<std::string> m_problems;
};

enum class FailureKind {
    transient,    // network trouble, 5xx: retry with backoff
    rate_limited, // 429/503 or an exhausted budget: wait at least retry_after
    permanent,    // 4xx, malformed payload, policy refusal: retry much later
};

struct Failure {
    FailureKind kind = FailureKind::transient;
    std::string message;
    std::optional<std::chrono::seconds> retry_after;
    long status = 0; // the HTTP status, when a response caused it
};

std::string_view to_string(FailureKind kind);

template <typename T> class Result {
public:
    Result(T value) : m_value(std::move(value)) {}
    Result(Failure failure) : m_value(std::move(failure)) {}

    bool ok() const { return m_value.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() { return std::get<0>(m_value); }
    const T& value() const { return std::get<0>(m_value); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Failure& failure() const { return std::get<1>(m_value); }

private:
    std::variant<T, Failure> m_value;
};

inline Failure permanent_failure(std::string message) {
    return Failure{FailureKind::permanent, std::move(message), std::nullopt};
}
inline Failure transient_failure(std::string message) {
    return Failure{FailureKind::transient, std::move(message), std::nullopt};
}

} // namespace wijkwacht
