#ifndef PADDOCK_CLIBXML2_SHIM_H
#define PADDOCK_CLIBXML2_SHIM_H
// Debian's libxml2 is built with ICU; its headers then include ICU's, which clash with the
// copy inside Foundation. Read the version header first and switch ICU off before the rest.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#endif
