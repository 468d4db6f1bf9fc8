// The lazy libcurl loader has no API of its own: see curl_loader.c.
#ifndef PADDOCK_CCURLLOADER_H
#define PADDOCK_CCURLLOADER_H
/// True when libcurl.so.4 could be loaded (the first call loads it).
int paddock_curl_available(void);
#endif
