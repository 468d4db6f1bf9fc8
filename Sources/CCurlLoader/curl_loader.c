// Loads libcurl when paddock first uses HTTP, instead of at every start.
//
// Foundation's URLSession (FoundationNetworking) calls libcurl. Linked statically (the Debian
// package's --static-swift-stdlib build), it would make libcurl.so.4 a start-up dependency of
// the binary, and with it about thirty libraries (OpenSSL, GnuTLS, Kerberos, LDAP, SSH, IDN...)
// that the dynamic loader maps and binds on every run, `paddock --version` included: about
// 8 ms of a 17 ms start (docs/packaging.md). These definitions of the libcurl functions
// FoundationNetworking uses take their place at link time, so nothing in the binary calls
// libcurl directly, and scripts/package.sh removes libcurl.so.4 from the binary's needed
// libraries (patchelf); each forwards to the real function, looked up in libcurl.so.4 opened
// on the first call.
//
// In a build linked against the shared Foundation, libFoundationNetworking.so loads libcurl
// itself and these forward to the same functions.
//
// The variadic setters take one argument after the option, an integer, a pointer or a
// curl_off_t: all passed in the same registers, so it is forwarded as a pointer-sized value.
#include "CCurlLoader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void *library;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void open_library(void) {
    library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
}

int paddock_curl_available(void) {
    pthread_once(&once, open_library);
    return library != NULL;
}

static void *resolve(const char *name) {
    if (!paddock_curl_available()) {
        fprintf(stderr, "paddock: cannot load libcurl.so.4 for HTTP (%s); install it: apt-get install libcurl4\n", dlerror());
        abort();
    }
    void *symbol = dlsym(library, name);
    if (symbol == NULL) {
        fprintf(stderr, "paddock: libcurl.so.4 has no %s; a newer libcurl4 is needed\n", name);
        abort();
    }
    return symbol;
}

// One cached pointer per function, resolved on its first call.
#define FORWARD(ret, name, params, args)                                   \
    ret name params {                                                      \
        static ret (*real) params;                                         \
        if (real == NULL) real = (ret (*) params)resolve(#name);           \
        return real args;                                                  \
    }
#define FORWARD_VOID(name, params, args)                                   \
    void name params {                                                     \
        static void (*real) params;                                        \
        if (real == NULL) real = (void (*) params)resolve(#name);          \
        real args;                                                         \
    }
#define FORWARD_VARIADIC(name, first, second)                              \
    int name(first a, second b, ...) {                                     \
        static int (*real)(first, second, ...);                            \
        if (real == NULL) real = (int (*)(first, second, ...))resolve(#name); \
        va_list list;                                                      \
        va_start(list, b);                                                 \
        void *value = va_arg(list, void *);                                \
        va_end(list);                                                      \
        return real(a, b, value);                                          \
    }

// The types as the ABI sees them: handles are pointers, enums and codes are ints.
FORWARD(int, curl_global_init, (long flags), (flags))
FORWARD(void *, curl_easy_init, (void), ())
FORWARD_VOID(curl_easy_cleanup, (void *handle), (handle))
FORWARD(int, curl_easy_pause, (void *handle, int bitmask), (handle, bitmask))
FORWARD(const char *, curl_easy_strerror, (int code), (code))
FORWARD_VARIADIC(curl_easy_setopt, void *, int)
FORWARD_VARIADIC(curl_easy_getinfo, void *, int)
FORWARD(void *, curl_multi_init, (void), ())
FORWARD(int, curl_multi_cleanup, (void *multi), (multi))
FORWARD(int, curl_multi_add_handle, (void *multi, void *handle), (multi, handle))
FORWARD(int, curl_multi_remove_handle, (void *multi, void *handle), (multi, handle))
FORWARD(int, curl_multi_assign, (void *multi, int socket, void *pointer), (multi, socket, pointer))
FORWARD(void *, curl_multi_info_read, (void *multi, int *left), (multi, left))
FORWARD(int, curl_multi_socket_action, (void *multi, int socket, int mask, int *running), (multi, socket, mask, running))
FORWARD_VARIADIC(curl_multi_setopt, void *, int)
FORWARD(void *, curl_slist_append, (void *list, const char *text), (list, text))
FORWARD_VOID(curl_slist_free_all, (void *list), (list))
FORWARD_VOID(curl_free, (void *pointer), (pointer))
FORWARD(char *, curl_version, (void), ())
FORWARD(void *, curl_version_info, (int age), (age))
FORWARD(void *, curl_url, (void), ())
FORWARD(int, curl_url_get, (void *url, int part, char **value, unsigned int flags), (url, part, value, flags))
FORWARD(int, curl_url_set, (void *url, int part, const char *value, unsigned int flags), (url, part, value, flags))
