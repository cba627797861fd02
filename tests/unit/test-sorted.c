/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "sorted.h"
#include "tests.h"

typedef struct Item {
        uint64_t other;
        const char *name;
} Item;

TEST(search_finds_and_places) {
        const Item v[] = {
                { 1, "a.service" }, { 2, "b.service" }, { 3, "d.service" }, { 4, "e@x.service" }
        };
        bool found = true;

        CHECK_U64(
                sorted_search_str(v, ELEMENTSOF(v), sizeof(Item), offsetof(Item, name), "b.service", &found),
                1);
        CHECK(found);
        CHECK_U64(sorted_search_str(v, ELEMENTSOF(v), sizeof(Item), offsetof(Item, name), "e@x.service",
                                    &found),
                  3);
        CHECK(found);
        /* Not there: where it would go. */
        CHECK_U64(
                sorted_search_str(v, ELEMENTSOF(v), sizeof(Item), offsetof(Item, name), "c.service", &found),
                2);
        CHECK(!found);
        CHECK_U64(sorted_search_str(v, ELEMENTSOF(v), sizeof(Item), offsetof(Item, name), "0", &found), 0);
        CHECK(!found);
        CHECK_U64(sorted_search_str(v, ELEMENTSOF(v), sizeof(Item), offsetof(Item, name), "z", &found), 4);
        CHECK(!found);
}

TEST(search_empty) {
        bool found = true;

        CHECK_U64(sorted_search_str(NULL, 0, sizeof(Item), offsetof(Item, name), "a", &found), 0);
        CHECK(!found);
}
