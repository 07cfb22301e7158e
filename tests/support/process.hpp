#pragma once

// Black-box test helpers: run a real program with its stderr in a file and
// wait for it by event (pidfd), and receive its sd_notify messages on a
// datagram socket the test owns.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wijkwacht::test {

class Process {
public:
    // stdout and stderr go to `output`; with an empty path, stdout goes to a
    // pipe that read_line() reads and stderr stays the test's.
    Process(std::vector<std::string> argv, std::map<std::string, std::string> env,
            const std::filesystem::path& output);
    ~Process(); // SIGKILL if still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    void signal(int sig) const;
    // The exit status (or 128+signal), or nullopt if still running after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    int pid() const { return m_pid; }
    // The next line of stdout (without the newline), or nullopt on timeout or EOF.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);

private:
    int m_pid = -1;
    int m_pidfd = -1;
    int m_stdout = -1;
    std::string m_buffer;
    std::optional<int> m_status;
};

class NotifySocket {
public:
    explicit NotifySocket(std::filesystem::path path);
    ~NotifySocket();
    const std::filesystem::path& path() const { return m_path; }
    // Waits for a datagram containing `text`; false on timeout.
    bool wait_for(const std::string& text, std::chrono::milliseconds timeout);

private:
    std::filesystem::path m_path;
    int m_fd = -1;
};

// A fresh directory under /tmp, removed with its contents at the end.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

std::string read_text(const std::filesystem::path& file);
// Waits until `file` holds `text` (a daemon writes its log from its own
// threads); false after `timeout`.
bool wait_for_text(const std::filesystem::path& file, const std::string& text,
                   std::chrono::milliseconds timeout);
void write_text(const std::filesystem::path& file, const std::string& text);

// The one-rule file the black-box tests flag with: posts saying "inbraak".
inline void write_burglary_rule(const std::filesystem::path& file) {
    write_text(file, "[[rule]]\nid = \"inbraak\"\ncategory = \"crime.burglary\"\nquery = "
                     "'inbraak'\n");
}

} // namespace wijkwacht::test
