// seccomp_launcher ERRNO CALLS COMMAND [ARG...]
//
// Runs COMMAND with the io_uring system calls named in CALLS (a comma-separated subset of
// "setup,enter,register") failing with ERRNO (a number: 1 for EPERM as Docker's default profile
// answers, 38 for ENOSYS as newer profiles and gVisor do), every other system call allowed.
// Built and run by tests/seccomp_test.ts; no libseccomp needed, the BPF program is written out
// by hand.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// The io_uring syscalls have the same numbers on every architecture (the new common table).
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "seccomp_launcher: unsupported architecture"
#endif

/** Whether the comma-separated `list` holds `name`. */
static int listed(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; *p != '\0';) {
    if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0')) return 1;
    p = strchr(p, ',');
    if (p == NULL) break;
    p++;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s ERRNO setup,enter,register COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  int err = atoi(argv[1]);
  if (err <= 0 || err > 4095) {
    fprintf(stderr, "seccomp_launcher: ERRNO must be 1..4095, got %s\n", argv[1]);
    return 2;
  }
  // Unlisted calls get a number no system call has, so the jumps below stay fixed.
  const unsigned none = 0xffffffffu;
  unsigned setup = listed(argv[2], "setup") ? __NR_io_uring_setup : none;
  unsigned enter = listed(argv[2], "enter") ? __NR_io_uring_enter : none;
  unsigned reg = listed(argv[2], "register") ? __NR_io_uring_register : none;
  struct sock_filter filter[] = {
      // A call from another ABI (x32, i386 on x86-64) is left alone: Deno makes none.
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, setup, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, enter, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, reg, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
  };
  struct sock_fprog prog = {
      .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
      .filter = filter,
  };
  // Without CAP_SYS_ADMIN a filter needs no_new_privs, which exec keeps.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    perror("seccomp_launcher: prctl(PR_SET_NO_NEW_PRIVS)");
    return 125;
  }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    perror("seccomp_launcher: seccomp(SECCOMP_SET_MODE_FILTER)");
    return 125;
  }
  execvp(argv[3], argv + 3);
  perror("seccomp_launcher: execvp");
  return 127;
}
