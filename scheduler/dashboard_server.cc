#include "scheduler/dashboard_server.h"

#include <sys/socket.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "scheduler/dashboard_assets.h"
#include "scheduler/dashboard_json.h"
#include "scheduler/dashboard_page.h"
#include "scheduler/metrics_text.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

// Threads answering requests: a few browsers and a scraper at once.
constexpr int kHttpThreads = 4;
// The pages' polls share one snapshot per this interval, however many browsers poll.
constexpr absl::Duration kPageSnapshotAge = absl::Milliseconds(250);

const char* ContentType(absl::string_view name) {
  if (absl::EndsWith(name, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(name, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  return "application/octet-stream";
}

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos && !absl::StartsWith(host, "[")
             ? absl::StrCat("[", host, "]")
             : host;
}

}  // namespace

DashboardServer::DashboardServer(DashboardOptions options, SnapshotExchange& snapshots)
    : options_(std::move(options)), snapshots_(snapshots), auth_(options_.token) {}

DashboardServer::~DashboardServer() { Stop(); }

std::string DashboardServer::url() const {
  return absl::StrCat("http://", UrlHost(options_.host), ":", port_, "/");
}

absl::Status DashboardServer::Start() {
  http_ = std::make_unique<httplib::Server>();
  // httplib's default also sets SO_REUSEPORT, which would let a second scheduler bind the same
  // port and share its requests: only SO_REUSEADDR here (a restart need not wait for TIME_WAIT).
  http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http_->new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  http_->set_keep_alive_timeout(2);
  Route();
  // "[::1]" names the address ::1, as on the gRPC port.
  std::string host = options_.host;
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]"))
    host = host.substr(1, host.size() - 2);
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(host);
  } else if (http_->bind_to_port(host, options_.port)) {
    port_ = options_.port;
  } else if (options_.fall_back) {
    port_ = http_->bind_to_any_port(host);
    if (port_ > 0) {
      spdlog::warn("dashboard port {} is taken: serving the dashboard on port {} instead",
                   options_.port, port_);
    }
  } else {
    port_ = -1;
  }
  if (port_ <= 0) {
    port_ = 0;
    return absl::UnavailableError(absl::StrCat(
        "cannot serve the dashboard on ", UrlHost(host), ":", options_.port,
        " (in use or not an address here); choose another --dashboard-port, 0 for any free "
        "port, or -1 for none"));
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  spdlog::info("dashboard at {} (Prometheus metrics at {}metrics)", url(), url());
  return absl::OkStatus();
}

void DashboardServer::Stop() {
  if (http_ == nullptr) return;
  if (thread_.joinable()) {
    // stop() does nothing until the server thread has started listening: wait for that (it is
    // the thread's first step, so this is short).
    while (!http_->is_running()) std::this_thread::yield();
  }
  http_->stop();
  if (thread_.joinable()) thread_.join();
  http_.reset();
}

void DashboardServer::Route() {
  httplib::Server& http = *http_;
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const DashboardAuth::Decision d =
        auth_.Check(req.get_header_value("Authorization"), req.get_header_value("Cookie"),
                    req.get_param_value("token"));
    if (!d.allowed) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content(d.why + "\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!d.set_cookie.empty()) res.set_header("Set-Cookie", d.set_cookie);
    res.set_header("Cache-Control", "no-store");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto unavailable = [](httplib::Response& res) {
    res.status = 503;
    res.set_content("the scheduler's event loop did not answer in time\n",
                    "text/plain; charset=utf-8");
  };
  http.Get("/metrics", [this, unavailable](const httplib::Request&, httplib::Response& res) {
    auto snapshot = snapshots_.Fresh(options_.snapshot_timeout);
    if (snapshot == nullptr) return unavailable(res);
    res.set_content(MetricsText(*snapshot), kMetricsContentType);
  });
  http.Get("/api/workers", [this, unavailable](const httplib::Request&, httplib::Response& res) {
    auto snapshot = snapshots_.Recent(kPageSnapshotAge, options_.snapshot_timeout);
    if (snapshot == nullptr) return unavailable(res);
    res.set_content(WorkersJson(*snapshot), "application/json");
  });
  http.Get("/", [this, unavailable](const httplib::Request&, httplib::Response& res) {
    auto snapshot = snapshots_.Recent(kPageSnapshotAge, options_.snapshot_timeout);
    if (snapshot == nullptr) return unavailable(res);
    const std::string_view page = *DashboardAsset("index.html");
    res.set_content(DashboardPage(absl::string_view(page.data(), page.size()), *snapshot),
                    ContentType(".html"));
  });
  for (const char* name : {"dashboard.css", "dashboard.js"}) {
    const std::string_view asset = *DashboardAsset(name);
    http.Get(absl::StrCat("/", name),
             [asset, name](const httplib::Request&, httplib::Response& res) {
               res.set_content(asset.data(), asset.size(), ContentType(name));
             });
  }
}

}  // namespace brisk
