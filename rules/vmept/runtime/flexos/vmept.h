/*
 * flexos/vmept.h — the vmept mechanism in Linux userspace: one process per vmept compartment
 * (the userspace analogue of one VM each), forked from the same binary at start-up. A gate is a
 * synchronous RPC over a channel private to the two processes: the caller writes the callee's
 * entry index (flexos/entries.h) and up to six 64-bit arguments, wakes the callee and waits,
 * serving calls made back into its own process meanwhile (nesting, callbacks); the callee checks
 * the call against its entry table before running it. See rules/common/README.md.
 *
 *   flexos_vmept_gate(from, to, f, a…)          f(a…) in compartment `to`, result dropped
 *   flexos_vmept_gate_r(from, to, ret, f, a…)   ret = f(a…) in compartment `to` (a statement)
 *
 * `from`/`to` are compartment ids; at most six integer/pointer-class arguments; the call is
 * type-checked like a direct call. Pointers passed across must point to shared memory
 * (.data_shared, the shared heap, a DSS shadow) to be usable on the other side.
 */
#ifndef FLEXOS_VMEPT_H
#define FLEXOS_VMEPT_H

#include <stdint.h>

#define FLEXOS_HAVE_VMEPT 1

uint64_t flexos_vmept_call(int from, int to, uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3,
			   uint64_t a4, uint64_t a5, uint64_t a6);

#define flexos_vmept_gate(from, to, f, ...)                                                      \
	(FLEXOS_TYPECHECK_CALL(f, __VA_ARGS__),                                                  \
	 (void)flexos_vmept_call((from), (to), FLEXOS_CALL_ID(f, __VA_ARGS__),                  \
				 FLEXOS_PACK(__VA_ARGS__)))

#define flexos_vmept_gate_r(from, to, ret, f, ...)                                               \
	do {                                                                                     \
		FLEXOS_TYPECHECK_CALL_R(ret, f, __VA_ARGS__);                                    \
		FLEXOS_SET_RET(ret, (f)(__VA_ARGS__), flexos_vmept_call((from), (to), FLEXOS_CALL_ID(f, __VA_ARGS__), \
						      FLEXOS_PACK(__VA_ARGS__)));                \
	} while (0)

/* Start-up (the `start` hook of flexos_mechanism_vmept): forks one process per vmept compartment other than the
 * default one; returns in the main process only. `entry_frame` bounds the part of the original
 * stack made PROT_NONE in the children. */
void flexos_vmept_start(void *entry_frame);

#endif /* FLEXOS_VMEPT_H */
