/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intrusive doubly linked circular lists.
 *
 * A list is a `struct uk_list_head` sentinel; elements embed their own
 * `struct uk_list_head` member. Everything here is static inline or a macro,
 * so list manipulation always runs as code of the library that owns the list
 * (and therefore only ever touches that library's memory).
 */
#ifndef __UK_LIST_H__
#define __UK_LIST_H__

#include <uk/essentials.h>

struct uk_list_head {
	struct uk_list_head *next;
	struct uk_list_head *prev;
};

#define UK_LIST_HEAD_INIT(name) { &(name), &(name) }
#define UK_LIST_HEAD(name) struct uk_list_head name = UK_LIST_HEAD_INIT(name)

static inline void UK_INIT_LIST_HEAD(struct uk_list_head *head)
{
	head->next = head;
	head->prev = head;
}

/* Link `item` between two known-consecutive entries. */
static inline void __uk_list_link(struct uk_list_head *item,
				  struct uk_list_head *prev,
				  struct uk_list_head *next)
{
	next->prev = item;
	item->next = next;
	item->prev = prev;
	prev->next = item;
}

/* Insert right after `head` (stack order). */
static inline void uk_list_add(struct uk_list_head *item,
			       struct uk_list_head *head)
{
	__uk_list_link(item, head, head->next);
}

/* Insert right before `head`, i.e. at the end of the list (queue order). */
static inline void uk_list_add_tail(struct uk_list_head *item,
				    struct uk_list_head *head)
{
	__uk_list_link(item, head->prev, head);
}

/* Insert `item` in front of the element `pos` (which may be the head). */
static inline void uk_list_add_before(struct uk_list_head *item,
				      struct uk_list_head *pos)
{
	__uk_list_link(item, pos->prev, pos);
}

static inline void uk_list_del(struct uk_list_head *item)
{
	item->prev->next = item->next;
	item->next->prev = item->prev;
	/* Self-linked so a second delete or an emptiness test is harmless. */
	item->next = item;
	item->prev = item;
}

static inline int uk_list_empty(const struct uk_list_head *head)
{
	return head->next == head;
}

static inline int uk_list_is_last(const struct uk_list_head *item,
				  const struct uk_list_head *head)
{
	return item->next == head;
}

/* Number of elements; O(n), meant for statistics and assertions. */
static inline __sz uk_list_count(const struct uk_list_head *head)
{
	const struct uk_list_head *p;
	__sz n = 0;

	for (p = head->next; p != head; p = p->next)
		n++;
	return n;
}

/* Move every element of `from` to the end of `to`; `from` ends up empty. */
static inline void uk_list_splice_tail(struct uk_list_head *from,
				       struct uk_list_head *to)
{
	if (uk_list_empty(from))
		return;
	from->next->prev = to->prev;
	to->prev->next = from->next;
	from->prev->next = to;
	to->prev = from->prev;
	UK_INIT_LIST_HEAD(from);
}

#define uk_list_entry(ptr, type, member) __containerof(ptr, type, member)

#define uk_list_first_entry(head, type, member) \
	uk_list_entry((head)->next, type, member)

#define uk_list_first_entry_or_null(head, type, member) \
	(uk_list_empty(head) ? NULL : uk_list_first_entry(head, type, member))

#define uk_list_next_entry(pos, member) \
	uk_list_entry((pos)->member.next, __typeof__(*(pos)), member)

/* Iterate over list nodes: `pos` is a struct uk_list_head *. */
#define uk_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* As above, but `pos` may be removed from the list inside the body. */
#define uk_list_for_each_safe(pos, n, head)				\
	for ((pos) = (head)->next, (n) = (pos)->next; (pos) != (head);	\
	     (pos) = (n), (n) = (pos)->next)

/* Iterate over the containing structures. */
#define uk_list_for_each_entry(pos, head, member)			\
	for ((pos) = uk_list_entry((head)->next, __typeof__(*(pos)), member); \
	     &(pos)->member != (head);					\
	     (pos) = uk_list_next_entry(pos, member))

/* As above, but `pos` may be unlinked or freed inside the body. */
#define uk_list_for_each_entry_safe(pos, n, head, member)		\
	for ((pos) = uk_list_entry((head)->next, __typeof__(*(pos)), member), \
	     (n) = uk_list_next_entry(pos, member);			\
	     &(pos)->member != (head);					\
	     (pos) = (n), (n) = uk_list_next_entry(n, member))

#endif /* __UK_LIST_H__ */
