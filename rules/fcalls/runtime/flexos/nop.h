/*
 * flexos/nop.h — the fcalls mechanism: a gate is a plain function call.
 *
 * Used between compartments isolated with `fcalls` and for every call that stays inside one
 * compartment, whatever the deployment's mechanisms (so every deployment includes it; it is
 * included by flexos/runtime.h). `flexos_nop_gate_r(0, 0, x, f, a)` is exactly `x = f(a)`:
 * the compiler sees a direct call and may inline it. `from`/`to` are not evaluated.
 */
#ifndef FLEXOS_NOP_H
#define FLEXOS_NOP_H

#define FLEXOS_HAVE_NOP 1

#define flexos_nop_gate(from, to, f, ...) ((f)(__VA_ARGS__))
#define flexos_nop_gate_r(from, to, ret, f, ...) ((ret) = (f)(__VA_ARGS__))

#endif /* FLEXOS_NOP_H */
