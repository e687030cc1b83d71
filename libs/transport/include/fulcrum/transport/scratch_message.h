#pragma once
// A protobuf message that a hot-path loop parses or builds again and again, in one block
// of memory that it keeps. A heap message frees and reallocates its nested messages at
// every Clear() or parse (proto3 deletes a message field's object on Clear), so each frame
// cost a malloc and a free per header, hop and bar: the largest share of a stage's CPU
// after the system calls. Here every object of the message lives in an arena whose first
// block is owned and reused, so a frame costs a pointer bump per object and nothing to
// free. Strings longer than the inline capacity still take the heap.
#include <google/protobuf/arena.h>

#include <cstddef>
#include <memory>

namespace fulcrum::transport {

template <class Message>
class ScratchMessage {
 public:
  explicit ScratchMessage(size_t block_bytes = 64 * 1024) : block_(std::make_unique<char[]>(block_bytes)), arena_(options(block_.get(), block_bytes)) {}
  ScratchMessage(const ScratchMessage&) = delete;
  ScratchMessage& operator=(const ScratchMessage&) = delete;

  // An empty message. The one returned before, and everything taken from it, is gone.
  Message& fresh() {
    arena_.Reset();
    return *google::protobuf::Arena::CreateMessage<Message>(&arena_);
  }

 private:
  static google::protobuf::ArenaOptions options(char* block, size_t bytes) {
    google::protobuf::ArenaOptions o;
    o.initial_block = block;
    o.initial_block_size = bytes;
    return o;
  }
  std::unique_ptr<char[]> block_;
  google::protobuf::Arena arena_;
};

}  // namespace fulcrum::transport
