/* matcher.c — placeholder until issue 4 lands. */
#include "matcher.h"
