// The refresh thread of DataRefresher.
#include "gui/data_refresh.h"

#include <utility>

namespace lfm::gui {

DataRefresher::DataRefresher(std::string db_path, std::chrono::milliseconds poll_interval,
                             std::function<void()> on_update)
    : db_path_(std::move(db_path)),
      poll_interval_(poll_interval),
      on_update_(std::move(on_update)),
      thread_([this] { Loop(); }) {}

DataRefresher::~DataRefresher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<const Snapshot> DataRefresher::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::shared_ptr<const Details> DataRefresher::details() const {
  std::lock_guard lock(mutex_);
  return details_;
}

void DataRefresher::RequestDetails(const DetailRequest& request) {
  {
    std::lock_guard lock(mutex_);
    if (request_ == request) return;
    request_ = request;
  }
  wake_.notify_all();
}

bool DataRefresher::WaitUntilCurrent(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return published_.wait_for(lock, timeout, [this] {
    return snapshot_ && (!snapshot_->error.ok() || (details_ && details_->request == request_));
  });
}

void DataRefresher::Loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    Poll();
    lock.lock();
    // Sleep until the next poll, or at once when a new request arrives (or we stop).
    const DetailRequest answered = details_ ? details_->request : DetailRequest{};
    wake_.wait_for(lock, poll_interval_,
                   [&] { return stop_ || (snapshot_ && snapshot_->error.ok() && request_ != answered); });
  }
}

void DataRefresher::Poll() {
  if (!store_) {
    auto opened = results::ResultStore::Open(db_path_, results::ResultStore::Mode::kReadOnly);
    if (!opened.ok()) {
      // Publish each distinct error once; keep retrying quietly.
      if (opened.status().message() == last_error_) return;
      last_error_ = opened.status().message();
      auto failed = std::make_shared<Snapshot>();
      failed->db_path = db_path_;
      failed->error = opened.status();
      Publish(std::move(failed), nullptr);
      return;
    }
    store_ = std::move(opened).value();
  }

  std::shared_ptr<const Snapshot> current = snapshot();
  auto counter = store_->ChangeCounter();
  const bool changed =
      !current || !current->error.ok() || !counter.ok() || *counter != current->change_counter;
  std::shared_ptr<const Snapshot> next = current;
  if (changed) {
    auto loaded = LoadSnapshot(*store_);
    auto snap = std::make_shared<Snapshot>();
    if (loaded.ok()) {
      *snap = std::move(loaded).value();
      last_error_.clear();
    } else {
      // E.g. the file was replaced by one of a newer schema: report it and reopen next time.
      snap->db_path = db_path_;
      snap->error = loaded.status();
      last_error_ = loaded.status().message();
      store_.reset();
    }
    next = std::move(snap);
  }

  DetailRequest request;
  {
    std::lock_guard lock(mutex_);
    request = request_;
  }
  std::shared_ptr<const Details> current_details = details();
  std::shared_ptr<const Details> next_details = current_details;
  if (store_ && next->error.ok() &&
      (changed || !current_details || current_details->request != request)) {
    auto loaded = LoadDetails(*store_, request);
    auto details = std::make_shared<Details>();
    if (loaded.ok()) {
      *details = std::move(loaded).value();
    } else {
      details->request = request;
      details->error = loaded.status();
    }
    next_details = std::move(details);
  }
  if (next != current || next_details != current_details) Publish(next, next_details);
}

void DataRefresher::Publish(std::shared_ptr<const Snapshot> snapshot,
                            std::shared_ptr<const Details> details) {
  {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
    details_ = std::move(details);
  }
  published_.notify_all();
  if (on_update_) on_update_();
}

}  // namespace lfm::gui
