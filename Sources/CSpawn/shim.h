#ifndef PADDOCK_CSPAWN_SHIM_H
#define PADDOCK_CSPAWN_SHIM_H
// glibc's posix_spawn extensions (addchdir_np since 2.29, addclosefrom_np since 2.34; Debian 12
// has 2.36). glibc declares them only under _GNU_SOURCE, and <spawn.h> reaches Swift through the
// Glibc module, built without it; so they are declared here as glibc exports them. They give a
// child its working directory without changing the parent's (which every thread shares), and
// close inherited descriptors in the child only.
#include <spawn.h>

extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *__restrict actions, const char *__restrict path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
// pipe2 (glibc 2.9), also _GNU_SOURCE only: a pipe whose ends are close-on-exec from the start,
// so no other thread's child inherits them between pipe() and fcntl().
extern int pipe2(int pipefd[2], int flags);

// closefrom (glibc 2.34), _GNU_SOURCE only: closes every descriptor from lowfd up, before an exec
// that replaces paddock (paddock run), so the program inherits only stdin, stdout and stderr.
extern void closefrom(int lowfd);

// POSIX_SPAWN_SETSID (glibc's spawn.h, also _GNU_SOURCE only).
#define PADDOCK_POSIX_SPAWN_SETSID 0x80
#endif
