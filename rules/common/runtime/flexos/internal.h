/*
 * flexos/internal.h — declarations shared by the runtime's own .c files (common runtime and
 * mechanism runtimes). Not for application code.
 */
#ifndef FLEXOS_INTERNAL_H
#define FLEXOS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Idempotent start-up part that runs before main (constructor): checks the compartment table,
 * creates the shared memory, the shared heap and the compartment stacks. */
void flexos_rt_init(void) FLEXOS_HIDDEN;
/* Sets up the region of shared-heap group `group` (0: every compartment) over [base, base+size). */
void flexos_rt_heap_init(unsigned group, void *base, size_t size) FLEXOS_HIDDEN;
/* Makes the heap's bounds (this process's copy) read-only: start of __wrap_main. */
void flexos_rt_heap_seal(void) FLEXOS_HIDDEN;
/* The number of shared-heap groups of the deployment (flexos/groups.c, checked). */
unsigned flexos_rt_num_groups(void) FLEXOS_HIDDEN;
/* The compartments of group `group` (bit c: compartment c). */
uint32_t flexos_rt_group_members(unsigned group) FLEXOS_HIDDEN;
/* Where group `group`'s region lies (after flexos_rt_init). */
void flexos_rt_group_region(unsigned group, char **lo, char **hi) FLEXOS_HIDDEN;
/* Unmaps the regions of the groups none of whose compartments runs in this process (vmept:
 * called in every process once flexos_rt_my_host is known). */
void flexos_rt_drop_groups(void) FLEXOS_HIDDEN;

/* 1 if some compartment of the deployment uses `mech`. */
int flexos_rt_any_mech(int mech) FLEXOS_HIDDEN;

/* Unmaps compartment c's private data, bss and (unless stacks are shared) stack in the calling
 * process: what another compartment's process holds is not there at all (not a PROT_NONE copy
 * that mprotect could bring back). */
void flexos_rt_drop_compartment(int c) FLEXOS_HIDDEN;

/* The runtime's own ranges and every compartment's sections and stacks: after start-up, the
 * seccomp filter refuses mprotect/mmap/munmap/mremap/madvise/pkey_mprotect touching them. */
void flexos_rt_fence(const void *lo, const void *hi) FLEXOS_HIDDEN;
/* Last step of start-up in every process: PR_SET_DUMPABLE 0, the seccomp filter (no ptrace,
 * process_vm_*, pidfd_getfd, pkey_mprotect, memory-map changes over fenced ranges) and, where
 * the kernel has Landlock, no opening of /proc/<pid> files other than this process's own (none
 * at all when `deny_own_proc`: several compartments share this process). */
void flexos_rt_lockdown(int deny_own_proc) FLEXOS_HIDDEN;

/* Number of processes of the deployment and the index of the calling one (0 = main). */
extern int flexos_rt_nhosts FLEXOS_HIDDEN;
extern int flexos_rt_my_host FLEXOS_HIDDEN;

#define FLEXOS_PAGE_SIZE 4096UL
#define FLEXOS_PAGE_DOWN(x) ((uintptr_t)(x) & ~(FLEXOS_PAGE_SIZE - 1))
#define FLEXOS_PAGE_UP(x) (((uintptr_t)(x) + FLEXOS_PAGE_SIZE - 1) & ~(FLEXOS_PAGE_SIZE - 1))

#endif /* FLEXOS_INTERNAL_H */
