#pragma once
// Transparent huge pages for the stream's large buffers (internal to src/stream).
#include <cstddef>

namespace surge::stream {

// Advises the whole 2 MiB pages inside [p, p + bytes) onto transparent huge pages, before
// anything is written there. The stream's buffers are large (a snapshot each) and either live
// long (packing and message buffers, reused for every message) or hold a sample; with 4 KiB
// pages every first touch of a page costs a page fault, which on virtual machines takes longer
// than copying the page, and MPI's single-copy transfer pins the sender's pages one by one. Only
// pages inside the block are advised, so no memory beyond it is claimed; where the system
// refuses (or has transparent huge pages off) the pages simply stay 4 KiB ones. Not collective.
void advise_huge_pages(const void* p, std::size_t bytes);

}  // namespace surge::stream
