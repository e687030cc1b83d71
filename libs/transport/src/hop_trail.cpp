#include "fulcrum/transport/hop_trail.h"

#include <cstdint>

namespace fulcrum::transport {

namespace {
constexpr uint64_t kHeaderField = 1;  // `Header header = 1` in every message that has one
constexpr uint64_t kHopsField = 4;    // `repeated Hop hops = 4` in Header
constexpr uint64_t kLengthDelimited = 2;
constexpr int kMaxGroupDepth = 100;  // protobuf's own recursion limit

bool read_varint(std::string_view s, size_t& at, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && at < s.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(s[at++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// A tag as protobuf reads one: at most five bytes, kept to its low 32 bits.
bool read_tag(std::string_view s, size_t& at, uint32_t& tag) {
  tag = 0;
  for (int i = 0; i < 5 && at < s.size(); ++i) {
    const auto byte = static_cast<uint8_t>(s[at++]);
    tag |= static_cast<uint32_t>(static_cast<uint64_t>(byte & 0x7f) << (7 * i));
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

struct Field {
  uint64_t number = 0, wire_type = 0;
  size_t begin = 0, tag_end = 0, value = 0, end = 0;  // tag, past the tag, value (a length-delimited one's bytes), past the end
};

// The field at `at`, or false when it is cut short, of an undefined wire type (6, 7), or an
// end-group tag with no group open. Groups are in no message of the contract, but protobuf
// keeps one as an unknown field, so a wire that parses may hold one.
bool read_field(std::string_view s, size_t at, Field& f, int depth = 0) {
  f.begin = at;
  uint32_t tag = 0;
  if (!read_tag(s, at, tag) || (tag >> 3) == 0) return false;
  f.number = tag >> 3;
  f.wire_type = tag & 7;
  f.tag_end = f.value = at;
  switch (f.wire_type) {
    case 0: {
      uint64_t ignored = 0;
      if (!read_varint(s, at, ignored)) return false;
      f.end = at;
      return true;
    }
    case 1:
      if (s.size() - at < 8) return false;
      f.end = at + 8;
      return true;
    case kLengthDelimited: {
      uint64_t n = 0;
      if (!read_varint(s, at, n) || n > s.size() - at) return false;
      f.value = at;
      f.end = at + n;
      return true;
    }
    case 3:  // a group: fields up to the end-group tag of the same number
      if (depth >= kMaxGroupDepth) return false;
      for (;;) {
        size_t after_tag = at;
        uint32_t inner_tag = 0;
        if (!read_tag(s, after_tag, inner_tag)) return false;
        if ((inner_tag & 7) == 4) {
          if ((inner_tag >> 3) != f.number) return false;
          f.end = after_tag;
          return true;
        }
        Field inner;
        if (!read_field(s, at, inner, depth + 1)) return false;
        at = inner.end;
      }
    case 5:
      if (s.size() - at < 4) return false;
      f.end = at + 4;
      return true;
    default: return false;
  }
}

// Calls on(field) for each field of `s`; false when `s` is not a sequence of fields.
template <class On>
bool for_each_field(std::string_view s, On&& on) {
  Field f;
  for (size_t at = 0; at < s.size(); at = f.end) {
    if (!read_field(s, at, f)) return false;
    on(f);
  }
  return true;
}

bool is_header(const Field& f) { return f.number == kHeaderField && f.wire_type == kLengthDelimited; }
bool is_hop(const Field& f) { return f.number == kHopsField && f.wire_type == kLengthDelimited; }
}  // namespace

bool append_without_hop_trail(std::string_view wire, std::string& out) {
  const size_t mark = out.size();
  out.reserve(mark + wire.size());
  bool well_formed = true;
  size_t copied_to = 0;  // what lies between the headers is copied in one piece
  const bool fields = for_each_field(wire, [&](const Field& f) {
    if (!is_header(f) || !well_formed) return;
    const auto header = wire.substr(f.value, f.end - f.value);
    size_t hop_bytes = 0;
    well_formed = for_each_field(header, [&](const Field& h) {
      if (is_hop(h)) hop_bytes += h.end - h.begin;
    });
    if (!well_formed) return;
    out.append(wire.substr(copied_to, f.tag_end - copied_to));
    append_varint(out, header.size() - hop_bytes);  // the header's new length comes before it
    size_t header_copied_to = 0;
    for_each_field(header, [&](const Field& h) {
      if (!is_hop(h)) return;
      out.append(header.substr(header_copied_to, h.begin - header_copied_to));
      header_copied_to = h.end;
    });
    out.append(header.substr(header_copied_to));
    copied_to = f.end;
  });
  if (!fields || !well_formed) {
    out.resize(mark);
    return false;
  }
  out.append(wire.substr(copied_to));
  return true;
}

}  // namespace fulcrum::transport
