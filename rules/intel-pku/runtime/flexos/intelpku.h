/*
 * flexos/intelpku.h — the intel-pku mechanism on Linux protection keys.
 *
 * Every intel-pku compartment gets a key (pkey_alloc) that tags its .data_comp<N>,
 * .bss_comp<N> and, unless stacks are shared, its private stack. Everything else (libc, the
 * runtime code, .data_shared, the shared heap, DSS shadows) keeps key 0. The runtime's mutable
 * state (which compartment runs, saved stack pointers, the trusted stack) carries a key of its
 * own that compartments may read but not write; its PKRU values and compartment table are
 * read-only pages after set-up. While compartment N runs, PKRU allows key 0 and N's key.
 *
 *   flexos_intelpku_gate(from, to, f, a…)          f(a…) in compartment `to`, result dropped
 *   flexos_intelpku_gate_r(from, to, ret, f, a…)   ret = f(a…) in compartment `to` (a statement)
 *
 * A gate is a call of flexos_intelpku_trampoline with the callee's entry id (flexos/entries.h):
 * the trampoline enters a trusted phase (PKRU: every key, checked after the wrpkru, on a
 * trusted stack), checks the call against the callee's entry table with the caller taken from
 * the runtime state (never from the call), switches stack and PKRU (checked against the
 * table after the wrpkru, as ERIM does), clears the registers the callee must not see, calls,
 * and comes back the same way. `from` is not trusted and not used. See rules/common/README.md.
 */
#ifndef FLEXOS_INTELPKU_H
#define FLEXOS_INTELPKU_H

#include <stdint.h>

#define FLEXOS_HAVE_INTELPKU 1

static inline __attribute__((always_inline)) uint32_t flexos_rdpkru(void)
{
	uint32_t eax, edx;
	__asm__ volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	(void)edx;
	return eax;
}

/* a1..a6 in registers, then the entry id and the callee compartment (`to`; bits 32..: 1 + the
 * compartment of another process a relayed call comes from, else 0). */
uint64_t flexos_intelpku_trampoline(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
				    uint64_t a5, uint64_t a6, uint64_t id, uint64_t to);

#define flexos_intelpku_gate(from, to, f, ...)                                                   \
	(FLEXOS_TYPECHECK_CALL(f, __VA_ARGS__), (void)(from),                                    \
	 (void)flexos_intelpku_trampoline(FLEXOS_PACK(__VA_ARGS__), FLEXOS_CALL_ID(f, __VA_ARGS__), \
					  (uint64_t)(to)))

#define flexos_intelpku_gate_r(from, to, ret, f, ...)                                            \
	do {                                                                                     \
		FLEXOS_TYPECHECK_CALL_R(ret, f, __VA_ARGS__);                                    \
		(void)(from);                                                                    \
		FLEXOS_SET_RET(ret, (f)(__VA_ARGS__), flexos_intelpku_trampoline(FLEXOS_PACK(__VA_ARGS__), \
							       FLEXOS_CALL_ID(f, __VA_ARGS__),   \
							       (uint64_t)(to)));                 \
	} while (0)

#endif /* FLEXOS_INTELPKU_H */
