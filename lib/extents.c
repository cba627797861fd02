/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Data extents of a file, lseek(2) SEEK_DATA/SEEK_HOLE (Linux 3.1+; tmpfs
 * since 3.5, answered from the page cache and swap, so a hole of any size
 * costs one lookup). ENXIO from SEEK_DATA means only a hole is left. */

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extents.h"
#include "macro.h"
#include "timeutil.h"

int data_extents_init(DataExtents *it, int fd, uint64_t deadline_usec) {
        struct stat st;

        if (!it || fd < 0)
                return -EINVAL;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode) || st.st_size < 0)
                return -EINVAL;
        *it = (DataExtents){
                .fd = fd,
                .end = (uint64_t) st.st_size,
                .deadline_usec = deadline_usec,
        };
        return 0;
}

int data_extents_next(DataExtents *it, uint64_t *ret_offset, uint64_t *ret_length) {
        off_t data, hole;
        int r;

        if (!it || !ret_offset || !ret_length)
                return -EINVAL;
        if (it->pos >= it->end)
                return 0;
        r = deadline_check(it->deadline_usec);
        if (r < 0)
                return r;

        data = lseek(it->fd, (off_t) it->pos, SEEK_DATA);
        if (data < 0) {
                if (errno == ENXIO) {
                        it->pos = it->end;
                        return 0;
                }
                if (errno != EINVAL)
                        return negative_errno();
                /* No answer for this file: all of it is data, as for a file
                 * system without SEEK_DATA. */
                data = (off_t) it->pos;
                hole = (off_t) it->end;
        } else {
                hole = lseek(it->fd, data, SEEK_HOLE);
                if (hole < 0) {
                        if (errno != ENXIO)
                                return negative_errno();
                        /* Truncated between the two calls. */
                        it->pos = it->end;
                        return 0;
                }
        }

        if ((uint64_t) data >= it->end) {
                it->pos = it->end;
                return 0;
        }
        /* The file may have grown meanwhile: no further than the size at init. */
        if ((uint64_t) hole > it->end)
                hole = (off_t) it->end;
        if (hole <= data) {
                /* Only a shrinking file answers so; stop rather than loop. */
                it->pos = it->end;
                return 0;
        }
        it->pos = (uint64_t) hole;
        *ret_offset = (uint64_t) data;
        *ret_length = (uint64_t) (hole - data);
        return 1;
}
