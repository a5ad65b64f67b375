/* matcher.h — the double auction (issue 4; being built). May use: common. */
#ifndef WATTLE_MATCHER_H
#define WATTLE_MATCHER_H

#include "common.h"

#endif /* WATTLE_MATCHER_H */
