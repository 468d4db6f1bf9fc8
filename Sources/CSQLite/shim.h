#ifndef PADDOCK_CSQLITE_SHIM_H
#define PADDOCK_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
