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
void flexos_rt_heap_init(void *base, size_t size) FLEXOS_HIDDEN;

/* 1 if some compartment of the deployment uses `mech`. */
int flexos_rt_any_mech(int mech) FLEXOS_HIDDEN;

/* Makes compartment c's private data, bss and (unless stacks are shared) stack PROT_NONE in
 * the calling process. */
void flexos_rt_protect_compartment(int c) FLEXOS_HIDDEN;

/* Number of processes of the deployment and the index of the calling one (0 = main). */
extern int flexos_rt_nhosts FLEXOS_HIDDEN;
extern int flexos_rt_my_host FLEXOS_HIDDEN;

#define FLEXOS_PAGE_SIZE 4096UL
#define FLEXOS_PAGE_DOWN(x) ((uintptr_t)(x) & ~(FLEXOS_PAGE_SIZE - 1))
#define FLEXOS_PAGE_UP(x) (((uintptr_t)(x) + FLEXOS_PAGE_SIZE - 1) & ~(FLEXOS_PAGE_SIZE - 1))

#endif /* FLEXOS_INTERNAL_H */
