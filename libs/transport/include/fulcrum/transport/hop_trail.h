#pragma once
// A message's hop trail (Header.hops: each stage's receive and send times) is telemetry for
// the order-path breakdown; recovery from a journal needs none of it. By the order router it
// is five hops, about half of an order batch's bytes, and the router's journal is the mesh's
// largest write: every byte of it is copied, sent, and faulted into Redis's memory.
#include <string>
#include <string_view>

namespace fulcrum::transport {

// Appends `wire` to `out` without the hops of its header. `wire` is a message whose field 1
// is its v1::Header, as every message of proto/fulcrum/v1 that carries one declares it (the
// transport tests check each). All else is kept byte for byte, unknown fields included, so
// the result parses to the same message with its hops cleared. False, with `out` unchanged,
// when `wire` is not a sequence of well-formed fields. True is no proof that protobuf would
// parse it: the scan checks framing, not what lies inside a field (UTF-8, an overlong
// length), so a caller parses first, as the router does.
bool append_without_hop_trail(std::string_view wire, std::string& out);

}  // namespace fulcrum::transport
