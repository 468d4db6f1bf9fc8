#ifndef PADDOCK_CLIBARCHIVE_SHIM_H
#define PADDOCK_CLIBARCHIVE_SHIM_H
// libarchive (Debian: libarchive-dev). Reading any format and filter, writing to disk with
// the SECURE_* flags; the writer API is used by the tests to build hostile archives.
#include <archive.h>
#include <archive_entry.h>
#endif
