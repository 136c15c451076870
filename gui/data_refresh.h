// Live refresh: a background thread keeps a read-only connection to the results database, polls
// its change counter, and publishes a new Snapshot whenever another process (perf, eval, gate)
// commits; it also loads the Details the views request. The UI thread only swaps pointers, so a
// slow load never blocks a frame.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gui/snapshot.h"

namespace lfm::gui {

class DataRefresher {
 public:
  // Starts polling `db_path` every `poll_interval`. A missing or unreadable database yields a
  // Snapshot whose `error` says why, and is retried at every poll (so a database that a perf run
  // creates later appears by itself). `on_update`, when set, is called on the refresh thread
  // after each publication (the dashboard wakes its event loop with it).
  DataRefresher(std::string db_path, std::chrono::milliseconds poll_interval,
                std::function<void()> on_update = {});
  // Stops the thread and waits for it (at most one load in progress).
  ~DataRefresher();
  DataRefresher(const DataRefresher&) = delete;
  DataRefresher& operator=(const DataRefresher&) = delete;

  // The latest published data; nullptr until the first load finishes. Thread-safe.
  std::shared_ptr<const Snapshot> snapshot() const;
  std::shared_ptr<const Details> details() const;

  // Asks for `request` to be loaded (does nothing when it is already the current request).
  // Thread-safe and non-blocking.
  void RequestDetails(const DetailRequest& request);

  // Blocks until a snapshot exists and the details answer the latest request, or `timeout`
  // passes; returns whether that happened. For --screenshot, which must draw complete data.
  bool WaitUntilCurrent(std::chrono::milliseconds timeout);

 private:
  void Loop();
  // One poll: (re)open, check the counter, reload what changed. Runs on the refresh thread.
  void Poll();
  void Publish(std::shared_ptr<const Snapshot> snapshot, std::shared_ptr<const Details> details);

  const std::string db_path_;
  const std::chrono::milliseconds poll_interval_;
  const std::function<void()> on_update_;

  // Owned by the refresh thread only.
  std::unique_ptr<results::ResultStore> store_;
  std::string last_error_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;       // stop or a new request
  std::condition_variable published_;  // a new snapshot or details
  bool stop_ = false;
  DetailRequest request_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::shared_ptr<const Details> details_;

  std::thread thread_;  // last: starts after every member above is constructed
};

}  // namespace lfm::gui
