#pragma once

// A thin RAII layer over the SQLite C API: one connection, prepared
// statements, transactions. Errors throw wijkwacht::Error naming the
// database file and SQLite's message.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace wijkwacht::sql {

class Database;

class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    // Advances; true while a row is available.
    bool step();
    // Runs to completion, then resets for reuse.
    void run();
    void reset();

    std::string text(int column) const;
    std::int64_t integer(int column) const;

private:
    Database& m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

class Database {
public:
    enum class Mode { read_write, read_only };
    // read_write creates the file if needed; read_only needs it to exist.
    explicit Database(const std::filesystem::path& file, Mode mode = Mode::read_write);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    std::int64_t changes() const;
    std::int64_t last_insert_rowid() const;
    [[noreturn]] void fail(std::string_view what) const;

    sqlite3* handle() { return m_db; }
    const std::filesystem::path& file() const { return m_file; }

private:
    std::filesystem::path m_file;
    sqlite3* m_db = nullptr;
};

// BEGIN IMMEDIATE … COMMIT, rolled back if not committed.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();

private:
    Database& m_db;
    bool m_done = false;
};

} // namespace wijkwacht::sql
