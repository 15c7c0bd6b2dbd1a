/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ramfs: files and directories kept in memory.
 *
 * The interface mirrors the POSIX calls it stands in for, with two
 * differences that matter at a library boundary: errors are returned as
 * negative errno values, and everything the caller receives is copied into
 * memory the caller provides (no pointer into ramfs ever leaves it).
 */
#ifndef __RAMFS_RAMFS_H__
#define __RAMFS_RAMFS_H__

#include <uk/essentials.h>

#define RAMFS_NAME_MAX   32     /* bytes of a path component, with NUL */
#define RAMFS_PATH_MAX   128
#define RAMFS_MAX_FDS    16

/* open() flags (a subset, with Linux's values). */
#define RAMFS_O_RDONLY   0x0000
#define RAMFS_O_WRONLY   0x0001
#define RAMFS_O_RDWR     0x0002
#define RAMFS_O_ACCMODE  0x0003
#define RAMFS_O_CREAT    0x0040
#define RAMFS_O_EXCL     0x0080
#define RAMFS_O_TRUNC    0x0200
#define RAMFS_O_APPEND   0x0400

#define RAMFS_SEEK_SET   0
#define RAMFS_SEEK_CUR   1
#define RAMFS_SEEK_END   2

#define RAMFS_TYPE_FILE  1
#define RAMFS_TYPE_DIR   2

struct ramfs_stat {
	__u32 ino;
	__u32 type;
	__u64 size;
	__u32 nchunks;      /* storage chunks backing the file */
	__u32 nentries;     /* entries of a directory */
};

struct ramfs_dirent {
	__u32 ino;
	__u32 type;
	__u64 size;
	char name[RAMFS_NAME_MAX];
};

/* Called once per directory entry; a non-zero return stops the walk and
 * becomes the result of ramfs_readdir().
 */
typedef int (*ramfs_dir_cb)(const struct ramfs_dirent *ent, void *arg);

/* Set up the file system (idempotent); returns 0 or a negative errno. */
int ramfs_init(void);

int ramfs_open(const char *path, int flags);
ssize_t ramfs_read(int fd, void *buf, size_t count);
ssize_t ramfs_write(int fd, const void *buf, size_t count);
off_t ramfs_lseek(int fd, off_t offset, int whence);
int ramfs_close(int fd);
int ramfs_unlink(const char *path);
int ramfs_mkdir(const char *path);

int ramfs_stat(const char *path, struct ramfs_stat *st);

/* Call `cb` for each entry of the directory `path`, in creation order;
 * returns the number of entries visited, the callback's non-zero result,
 * or a negative errno. The entry passed to `cb` is only valid during the
 * call.
 */
int ramfs_readdir(const char *path, ramfs_dir_cb cb, void *arg);

/* Publish the ramfs heap statistics to the ukalloc registry. */
int ramfs_publish_stats(void);

#endif /* __RAMFS_RAMFS_H__ */
