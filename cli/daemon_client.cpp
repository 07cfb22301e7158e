#include "cli/daemon_client.hpp"

#include "core/url.hpp"

#include <cstdlib>

namespace wijkwacht::cli {

void DaemonEndpoints::resolve() {
    if (!config.empty()) {
        const auto daemon = load_config(config);
        publish = daemon.publish.endpoint;
        if (replay.empty())
            replay = daemon.publish.replay_endpoint;
        if (workflow.empty())
            workflow = daemon.publish.workflow_endpoint;
    }
    if (replay.empty())
        replay = default_replay_endpoint(publish);
    if (workflow.empty())
        workflow = default_workflow_endpoint(publish);
}

void add_endpoint_options(CLI::App& command, DaemonEndpoints& endpoints, bool replay,
                          bool workflow) {
    command.add_option("-e,--endpoint", endpoints.publish, "the daemon's publish endpoint")
        ->capture_default_str();
    if (replay)
        command.add_option("--replay-endpoint", endpoints.replay,
                           "the daemon's replay endpoint (default: the publish port + 1)");
    if (workflow)
        command.add_option("--workflow-endpoint", endpoints.workflow,
                           "the daemon's workflow endpoint (default: the publish port + 2)");
    command.add_option("-c,--config", endpoints.config,
                       "read the endpoints from this wijkwachtd config");
}

std::string name_without_curve(const std::optional<ClientKeys>& keys, std::string as) {
    if (keys) {
        if (!as.empty())
            throw ConfigError({"--as is for daemons without CURVE: with --server-key your key "
                               "says who you are"});
        return {};
    }
    if (as.empty())
        if (const char* user = std::getenv("USER"); user && *user)
            as = user;
    return as;
}

void add_as_option(CLI::App& command, std::string& as) {
    command.add_option("--as", as,
                       "who you are, for a daemon without CURVE (default: $USER); with CURVE "
                       "your key says it");
}

} // namespace wijkwacht::cli
