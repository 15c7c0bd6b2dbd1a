/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Essentials shared by every corpus library: attribute shorthands, basic
 * integer types and small helper macros, spelled the way Unikraft code spells
 * them so the corpus exercises the same idioms as the real tree.
 *
 * This header is pure macros and types: it compiles into the includer and
 * owns no data, so including it never creates a cross-library dependency.
 */
#ifndef __UK_ESSENTIALS_H__
#define __UK_ESSENTIALS_H__

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Fixed-width types as Unikraft names them. */
typedef uint8_t  __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int32_t  __s32;
typedef int64_t  __s64;
typedef size_t   __sz;
typedef ssize_t  __ssz;
typedef uintptr_t __uptr;

/* Attribute shorthands. */
#ifndef __unused
#define __unused         __attribute__((unused))
#endif
#define __maybe_unused   __attribute__((unused))
#define __used           __attribute__((used))
#define __noreturn       __attribute__((noreturn))
#define __packed         __attribute__((packed))
#define __aligned(x)     __attribute__((aligned(x)))
#define __section(s)     __attribute__((section(s)))
#define __weak           __attribute__((weak))

/* Branch prediction hints. */
#define likely(x)        __builtin_expect(!!(x), 1)
#define unlikely(x)      __builtin_expect(!!(x), 0)

/* Compile-time assertion, usable at file and at block scope. */
#define UK_CTASSERT(x)   _Static_assert(x, "UK_CTASSERT(" #x ")")

#define UK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UK_MIN(a, b)     ((a) < (b) ? (a) : (b))
#define UK_MAX(a, b)     ((a) > (b) ? (a) : (b))

/* Round x up/down to a multiple of the power of two a. */
#define UK_ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define UK_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define UK_IS_POWER_OF_2(x) ((x) != 0 && (((x) & ((x) - 1)) == 0))

/* Pointer to the structure that embeds `ptr` as its member `member`. */
#define __containerof(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define UK_STRINGIFY_(x) #x
#define UK_STRINGIFY(x)  UK_STRINGIFY_(x)

#endif /* __UK_ESSENTIALS_H__ */
